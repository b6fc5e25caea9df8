"""The release calendar pages: list (flat queries), detail with changes and deployments, hand edits,
generate and status buttons, denials, and the link from the mode page."""

from datetime import UTC, date, datetime, timedelta

import time_machine

from bimodal.changes import services
from bimodal.changes.models import Release
from bimodal.portfolio.tests.factories import mode

WEDNESDAY = datetime(2027, 3, 3, 10, 0, tzinfo=UTC)


def test_list_query_count_is_flat_and_filters(client, estate, django_assert_max_num_queries):
    client.force_login(estate.auditor)
    services.release_train_generate(actor=estate.manager, mode=mode("mode-1"), months=3)
    with django_assert_max_num_queries(25) as few:
        client.get("/changes/releases/?mode=mode-1")
    services.release_train_generate(actor=estate.manager, mode=mode("mode-1"), months=36)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/changes/releases/?mode=mode-1")
    assert response.status_code == 200 and "Generate from the cadence" not in response.content.decode()


def test_detail_lists_the_changes_and_deployments_that_joined(client, estate):
    with time_machine.travel(WEDNESDAY, tick=False):
        q2 = services.release_train_generate(actor=estate.manager, mode=mode("mode-1"))[0]
        slot = datetime(2027, 4, 10, 20, tzinfo=UTC)
        change = services.change_create(
            actor=estate.owner,
            title="Ledger patch",
            services=[estate.core],
            planned_start=slot,
            planned_end=slot + timedelta(hours=1),
        )
    client.force_login(estate.auditor)
    body = client.get(f"/changes/releases/{q2.pk}/").content.decode()
    assert change.reference in body and "10 Apr 2027" in body
    assert "release-frozen" not in body  # no buttons for an auditor


def test_a_release_manager_generates_adds_moves_and_freezes(client, estate):
    with time_machine.travel(WEDNESDAY, tick=False):  # signed in at the frozen time: the session holds
        client.force_login(estate.manager)
        response = client.post("/changes/releases/generate/", {"mode": "mode-1", "months": 6})
        assert response.status_code == 302
        assert list(Release.objects.values_list("name", flat=True)) == ["2027.Q2", "2027.Q3"]
        response = client.post(
            "/changes/releases/new/", {"mode": mode("mode-1").pk, "name": "HF1", "planned_date": "2027-05-22"}
        )
        assert response.status_code == 302
        hf = Release.objects.get(name="HF1")
        response = client.post(
            f"/changes/releases/{hf.pk}/edit/",
            {
                "mode": mode("mode-1").pk,
                "name": "HF1",
                "planned_date": "2027-05-29",
                "cutoff_date": "2027-06-01",
            },
        )
        assert response.status_code == 400 and "cut-off" in response.content.decode()
        assert client.post(f"/changes/releases/{hf.pk}/frozen/").status_code == 302
        hf.refresh_from_db()
        assert (hf.status, str(hf.planned_date)) == ("frozen", "2027-05-22")
        assert "release-released" in client.get(f"/changes/releases/{hf.pk}/").content.decode()


def test_denials(client, estate):
    release = services.release_create(
        actor=estate.manager, mode=mode("mode-1"), name="r1", planned_date=date(2027, 1, 9)
    )
    client.force_login(estate.dev)
    assert client.get("/changes/releases/").status_code == 200
    assert client.get("/changes/releases/new/").status_code == 403
    assert client.get(f"/changes/releases/{release.pk}/edit/").status_code == 403
    assert client.post(f"/changes/releases/{release.pk}/cancelled/").status_code == 403
    assert client.post("/changes/releases/generate/", {"mode": "mode-1"}).status_code == 403
    client.force_login(estate.requester)
    assert client.get("/changes/releases/").status_code == 403
    assert client.get(f"/changes/releases/{release.pk}/").status_code == 404
    assert Release.objects.get(pk=release.pk).status == "planned"


def test_the_mode_page_links_to_its_release_train(client, estate):
    client.force_login(estate.auditor)
    body = client.get("/portfolio/modes/mode-1/").content.decode()
    assert "/changes/releases/?mode=mode-1" in body and "quarterly release train" in body


def _tried(client, url):
    """The "try it" result of a mode page (the rules list above it names every rule)."""
    body = client.get(url).content.decode()
    return body.split('data-testid="mode-try-result"', 1)[1]


def test_try_it_on_the_mode_page_shows_the_train_rule_off_the_train(client, estate):
    client.force_login(estate.admin)
    url = "/portfolio/modes/mode-1/?try=1&change_type=normal&source=manual&risk_score=10&in_window=on"
    assert "Not on a release date" not in _tried(client, url)
    assert "Not on a release date" in _tried(client, url + "&off_train=on")
    url = url.replace("mode-1", "mode-2") + "&off_train=on"  # on demand: no train, no rule
    assert "Not on a release date" not in _tried(client, url)
