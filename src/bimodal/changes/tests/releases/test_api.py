"""The release trains API: list (flat queries, filters), add, move, transitions, generate; bad input is a
400 naming the field; denials for people who are not release managers."""

from datetime import UTC, date, datetime

import time_machine

from bimodal.changes import services
from bimodal.changes.models import Release
from bimodal.portfolio.tests.factories import mode

WEDNESDAY = datetime(2027, 3, 3, 10, 0, tzinfo=UTC)


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_generate_list_and_filter(client, estate):
    with time_machine.travel(WEDNESDAY, tick=False):  # signed in at the frozen time: the session holds
        client.force_login(estate.manager)
        response = post(client, "/api/releases/generate/", {"mode": "mode-1", "months": 12})
        assert response.status_code == 201, response.content
        assert [r["name"] for r in response.json()] == ["2027.Q2", "2027.Q3", "2027.Q4", "2028.Q1"]
        assert post(client, "/api/releases/generate/", {"mode": "mode-1"}).json() == []
    client.force_login(estate.auditor)
    rows = client.get("/api/releases/?mode=mode-1&after=2027-06-01").json()["results"]
    assert (rows[0]["name"], rows[0]["planned_date"], rows[0]["mode"]) == ("2027.Q3", "2027-07-10", "mode-1")
    assert client.get("/api/releases/?mode=mode-2").json()["results"] == []


def test_add_move_and_transition(client, estate):
    client.force_login(estate.manager)
    body = {"mode": "mode-1", "name": "2027.HF1", "planned_date": "2027-05-22", "cutoff_date": "2027-05-15"}
    response = post(client, "/api/releases/", body)
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = client.patch(
        f"/api/releases/{pk}/", {"planned_date": "2027-05-29"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["planned_date"] == "2027-05-29"
    response = post(client, f"/api/releases/{pk}/transition/", {"status": "frozen", "reason": "cut-off"})
    assert response.json()["status"] == "frozen"
    assert (
        post(client, f"/api/releases/{pk}/transition/", {"status": "released"}).json()["status"] == "released"
    )
    response = post(client, f"/api/releases/{pk}/transition/", {"status": "planned"})
    assert response.status_code == 400 and "status" in response.json()


def test_bad_input_is_a_400_naming_the_field(client, estate):
    client.force_login(estate.manager)
    bad = {"mode": "mode-1", "name": "x", "planned_date": "2027-05-22", "cutoff_date": "2027-05-30"}
    response = post(client, "/api/releases/", bad)
    assert response.status_code == 400 and "cutoff_date" in response.json()
    assert "planned_date" in post(client, "/api/releases/", {**bad, "planned_date": "soon"}).json()
    assert "mode" in post(client, "/api/releases/", {**bad, "mode": "nope"}).json()
    assert "months" in post(client, "/api/releases/generate/", {"mode": "mode-1", "months": 99}).json()
    services.release_create(
        actor=estate.manager, mode=mode("mode-1"), name="dup", planned_date=date(2027, 1, 2)
    )
    response = post(client, "/api/releases/", {**bad, "name": "dup", "cutoff_date": None})
    assert response.status_code == 400


def test_people_who_are_not_release_managers_are_refused(client, estate):
    release = services.release_create(
        actor=estate.manager, mode=mode("mode-1"), name="r1", planned_date=date(2027, 1, 9)
    )
    for user in (estate.dev, estate.auditor, estate.cab1):
        client.force_login(user)
        assert client.get(f"/api/releases/{release.pk}/").status_code == 200
        assert (
            post(
                client, "/api/releases/", {"mode": "mode-1", "name": "x", "planned_date": "2027-05-22"}
            ).status_code
            == 403
        )
        assert post(client, "/api/releases/generate/", {"mode": "mode-1"}).status_code == 403
        assert (
            post(client, f"/api/releases/{release.pk}/transition/", {"status": "cancelled"}).status_code
            == 403
        )
        patch = client.patch(f"/api/releases/{release.pk}/", {"notes": "x"}, content_type="application/json")
        assert patch.status_code == 403
    client.force_login(estate.requester)
    assert client.get("/api/releases/").status_code == 403
    assert Release.objects.get(pk=release.pk).status == "planned"


def test_list_query_count_is_flat(client, estate, django_assert_max_num_queries):
    client.force_login(estate.auditor)
    services.release_train_generate(actor=estate.manager, mode=mode("mode-1"), months=3)
    with django_assert_max_num_queries(20) as few:
        client.get("/api/releases/")
    services.release_train_generate(actor=estate.manager, mode=mode("mode-1"), months=36)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/releases/").json()["results"]) > 5


def test_a_change_names_its_release_through_the_api(client, estate):
    with time_machine.travel(WEDNESDAY, tick=False):
        q2, q3, *_ = services.release_train_generate(actor=estate.manager, mode=mode("mode-1"))
        client.force_login(estate.owner)
        body = {"title": "Patch", "services": ["core-banking"], "change_type": "normal", "release": q3.pk}
        response = post(client, "/api/changes/", body)
        assert response.status_code == 201 and response.json()["release"] == q3.pk
        response = post(client, "/api/changes/", {**body, "release": 999_999})
        assert response.status_code == 400 and "release" in response.json()
        client.force_login(estate.manager)  # a change manager raises on any service: a Mode 2 one here
        response = post(client, "/api/changes/", {**body, "services": ["mobile-app"], "release": q2.pk})
        assert response.status_code == 400 and "release" in response.json()
