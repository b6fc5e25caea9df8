"""Change pages: list (flat queries, filters), detail, steps by button, CAB agenda, calendar, denials."""

from bimodal.changes import services
from bimodal.changes.models import Change

PLANS = dict(implementation_plan="a", backout_plan="b", test_plan="c")


def test_list_query_count_is_flat(client, estate, django_assert_max_num_queries):
    for i in range(3):
        services.change_create(actor=estate.owner, title=f"c{i}", services=[estate.core])
    client.force_login(estate.auditor)
    with django_assert_max_num_queries(20) as few:
        client.get("/changes/")
    for i in range(15):
        services.change_create(actor=estate.owner, title=f"d{i}", services=[estate.core, estate.ledger])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/changes/")
    assert response.status_code == 200


def test_list_filters(client, estate):
    services.change_create(actor=estate.owner, title="Core thing", services=[estate.core])
    services.change_create(actor=estate.dev, title="App thing", services=[estate.app])
    client.force_login(estate.auditor)
    body = client.get("/changes/?mode=mode-2").content.decode()
    assert "App thing" in body and "Core thing" not in body
    body = client.get("/changes/?q=core", HTTP_HX_REQUEST="true").content.decode()
    assert "Core thing" in body and "App thing" not in body and "<html" not in body


def test_create_page_and_step_buttons(client, estate, saturday):
    client.force_login(estate.owner)
    response = client.post(
        "/changes/new/",
        {
            "title": "Patch",
            "change_type": "normal",
            "environment": "production",
            "services": [estate.core.pk],
            "planned_start": saturday[0].strftime("%Y-%m-%dT%H:%M"),
            "planned_end": saturday[1].strftime("%Y-%m-%dT%H:%M"),
            "risk_downtime": "on",
            **PLANS,
        },
    )
    change = Change.objects.get()
    assert response.status_code == 302 and change.risk_answers["downtime"] is True
    client.post(f"/changes/{change.reference}/submit/")
    client.force_login(estate.manager)
    client.post(f"/changes/{change.reference}/assess/")
    client.force_login(estate.cab1)
    page = client.get(f"/changes/{change.reference}/").content.decode()
    assert 'data-testid="vote-form"' in page
    client.post(f"/changes/{change.reference}/vote/", {"vote": "approve", "comment": "ok"})
    change.refresh_from_db()
    assert change.approvals.count() == 1


def test_refused_step_shows_a_message_and_writes_nothing(client, estate):
    change = services.change_create(actor=estate.owner, title="No slot", services=[estate.core], **PLANS)
    client.force_login(estate.owner)
    response = client.post(f"/changes/{change.reference}/submit/", follow=True)
    assert "planned start" in response.content.decode()
    change.refresh_from_db()
    assert change.status == "draft"


def test_other_team_cannot_submit_by_url(client, estate):
    change = services.change_create(actor=estate.owner, title="x", services=[estate.core], **PLANS)
    client.force_login(estate.dev)
    assert client.post(f"/changes/{change.reference}/submit/").status_code == 403


def test_cab_agenda_and_calendar(client, estate, saturday):
    change = services.change_create(
        actor=estate.owner,
        title="Patch",
        services=[estate.core],
        planned_start=saturday[0],
        planned_end=saturday[1],
        **PLANS,
    )
    services.change_submit(actor=estate.owner, change=change)
    services.change_assess(actor=estate.manager, change=change)
    client.force_login(estate.cab1)
    assert change.reference in client.get("/changes/cab/").content.decode()
    assert change.reference in client.get(f"/changes/calendar/?start={saturday[0]:%Y-%m-%d}").content.decode()


def test_requester_role_sees_no_change_pages(client, estate):
    client.force_login(estate.requester)
    assert client.get("/changes/").status_code == 403
    assert client.get("/changes/cab/").status_code == 403
    assert client.get("/changes/new/").status_code == 403


def _form(estate, **overrides):
    return {
        "title": "Patch",
        "change_type": "normal",
        "environment": "production",
        "services": [estate.core.pk],
        **PLANS,
        **overrides,
    }


def test_edit_page_saves_a_draft_through_the_service(client, estate):
    from bimodal.core.models import AuditEntry

    change = services.change_create(actor=estate.owner, title="Patch", services=[estate.core], **PLANS)
    client.force_login(estate.owner)
    assert 'value="Patch"' in client.get(f"/changes/{change.reference}/edit/").content.decode()
    response = client.post(
        f"/changes/{change.reference}/edit/",
        _form(
            estate, title="Patch the core", services=[estate.core.pk, estate.ledger.pk], risk_downtime="on"
        ),
    )
    assert response.status_code == 302 and response["Location"] == change.get_absolute_url()
    change.refresh_from_db()
    assert change.title == "Patch the core" and change.risk_answers["downtime"] is True
    assert {s.slug for s in change.services.all()} == {"core-banking", "general-ledger"}
    assert AuditEntry.objects.get(verb="change_update").actor == estate.owner


def test_edit_page_refuses_bad_input_others_and_non_drafts(client, estate, saturday):
    start, end = saturday
    change = services.change_create(
        actor=estate.owner,
        title="Patch",
        services=[estate.core],
        planned_start=start,
        planned_end=end,
        **PLANS,
    )
    client.force_login(estate.owner)
    response = client.post(f"/changes/{change.reference}/edit/", _form(estate, evidence="{not json"))
    assert response.status_code == 400 and "Not valid JSON" in response.content.decode()
    client.force_login(estate.dev)  # not the requester nor of the owner team
    assert client.get(f"/changes/{change.reference}/edit/").status_code in (403, 404)
    assert client.post(f"/changes/{change.reference}/edit/", _form(estate, title="Mine")).status_code in (
        403,
        404,
    )
    services.change_submit(actor=estate.owner, change=change)
    client.force_login(estate.owner)
    response = client.post(f"/changes/{change.reference}/edit/", _form(estate, title="Late"))
    assert response.status_code == 400 and "Only a draft change can be edited." in response.content.decode()
    change.refresh_from_db()
    assert change.title == "Patch"


def test_list_pages_newest_first_and_varies_on_htmx(client, estate):
    for i in range(27):
        services.change_create(actor=estate.owner, title=f"Change {i:02d}", services=[estate.core])
    client.force_login(estate.auditor)
    response = client.get("/changes/")
    body = response.content.decode()
    assert "HX-Request" in response["Vary"] and 'data-testid="pager"' in body
    assert "Change 26" in body and "Change 01" not in body
    body = client.get("/changes/?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert "Change 01" in body and "Change 26" not in body and "<html" not in body
    assert client.get("/changes/", {"status": "no-such-status"}).status_code == 200
