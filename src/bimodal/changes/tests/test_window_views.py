"""Change window and freeze pages: list, create, edit, end; buttons and writes only for those who may."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bimodal.changes import services
from bimodal.changes.models import ChangeWindow
from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import UserFactory
from bimodal.portfolio.tests.factories import mode


def local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def lead(estate):
    return UserFactory(username="gina", roles=["governance_lead"])


@pytest.fixture
def running(estate):
    """A freeze that started an hour ago and ends tomorrow."""
    now = timezone.now()
    return services.window_create(
        actor=estate.admin,
        name="Quarter end",
        kind="freeze",
        start=now - timedelta(hours=1),
        end=now + timedelta(days=1),
        modes=[mode("mode-1")],
    )


def window_data(saturday, **overrides) -> dict:
    data = {
        "name": "Weekend window",
        "kind": "window",
        "start": local(saturday[0] - timedelta(hours=1)),
        "end": local(saturday[1] + timedelta(hours=1)),
        "modes": [mode("mode-1").pk],
        "description": "Saturday maintenance",
    }
    return {**data, **overrides}


def test_list_shows_buttons_only_to_writers(client, estate, running):
    client.force_login(estate.manager)
    page = client.get("/changes/windows/").content.decode()
    assert "Quarter end" in page and 'data-testid="new-window"' in page and 'data-testid="end-window"' in page
    client.force_login(estate.cab1)
    response = client.get("/changes/windows/")
    page = response.content.decode()
    assert response.status_code == 200 and "Quarter end" in page
    assert 'data-testid="new-window"' not in page and 'data-testid="edit-window"' not in page


def test_list_is_refused_without_the_view_permission(client, estate):
    client.force_login(estate.requester)
    assert client.get("/changes/windows/").status_code == 403


def test_calendar_links_to_the_window_pages(client, estate):
    client.force_login(estate.manager)
    page = client.get("/changes/calendar/").content.decode()
    assert "/changes/windows/" in page and 'data-testid="calendar-new-window"' in page
    client.force_login(estate.auditor)
    page = client.get("/changes/calendar/").content.decode()
    assert "/changes/windows/" in page and 'data-testid="calendar-new-window"' not in page


def test_change_manager_creates_a_window_scoped_to_a_mode(client, estate, saturday):
    client.force_login(estate.manager)
    assert client.get("/changes/windows/new/").status_code == 200
    response = client.post("/changes/windows/new/", window_data(saturday, reason="monthly patching"))
    assert response.status_code == 302
    window = ChangeWindow.objects.get()
    assert window.name == "Weekend window" and window.kind == "window"
    assert list(window.modes.all()) == [mode("mode-1")] and not window.services.exists()
    entry = AuditEntry.objects.get(verb="window_create")
    assert entry.actor == estate.manager and entry.reason == "monthly patching"


def test_governance_lead_creates_a_freeze_for_services(client, estate, lead, saturday):
    client.force_login(lead)
    data = window_data(saturday, kind="freeze", modes=[], services=[estate.app.pk, estate.other.pk])
    assert client.post("/changes/windows/new/", data).status_code == 302
    freeze = ChangeWindow.objects.get()
    assert freeze.kind == "freeze" and set(freeze.services.all()) == {estate.app, estate.other}


@pytest.mark.parametrize("role", ["cab1", "auditor"])
def test_readers_cannot_write_windows(client, estate, running, saturday, role):
    client.force_login(estate[role])
    assert client.get("/changes/windows/new/").status_code == 403
    assert client.post("/changes/windows/new/", window_data(saturday)).status_code == 403
    assert client.get(f"/changes/windows/{running.pk}/edit/").status_code == 403
    assert client.post(f"/changes/windows/{running.pk}/edit/", window_data(saturday)).status_code == 403
    assert client.post(f"/changes/windows/{running.pk}/end/").status_code == 403
    running.refresh_from_db()
    assert running.name == "Quarter end" and running.end > timezone.now()
    assert ChangeWindow.objects.count() == 1
    assert not AuditEntry.objects.filter(verb__in=["window_update", "window_end"]).exists()


def test_invisible_or_missing_windows_are_404(client, estate, running):
    client.force_login(estate.manager)
    assert client.get("/changes/windows/999999/edit/").status_code == 404
    assert client.post("/changes/windows/999999/end/").status_code == 404
    client.force_login(estate.requester)  # no view permission on windows: they are invisible
    assert client.get(f"/changes/windows/{running.pk}/edit/").status_code == 404
    assert client.post(f"/changes/windows/{running.pk}/end/").status_code == 404


def test_end_before_start_writes_nothing(client, estate, saturday):
    client.force_login(estate.manager)
    data = window_data(saturday, start=local(saturday[1]), end=local(saturday[0]))
    response = client.post("/changes/windows/new/", data)
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()
    assert "after the start" in response.content.decode()
    assert not ChangeWindow.objects.exists()
    assert not AuditEntry.objects.filter(verb="window_create").exists()


def test_edit_changes_times_and_scope_and_audits(client, estate, running, saturday):
    client.force_login(estate.manager)
    page = client.get(f"/changes/windows/{running.pk}/edit/").content.decode()
    assert "Quarter end" in page
    data = window_data(
        saturday, name="Quarter end (extended)", kind="freeze", modes=[], services=[estate.core.pk]
    )
    data["reason"] = "auditors asked"
    assert client.post(f"/changes/windows/{running.pk}/edit/", data).status_code == 302
    running.refresh_from_db()
    assert running.name == "Quarter end (extended)"
    assert not running.modes.exists() and list(running.services.all()) == [estate.core]
    assert local(running.start) == data["start"]
    entry = AuditEntry.objects.get(verb="window_update")
    assert entry.reason == "auditors asked" and entry.actor == estate.manager


def test_bad_edit_writes_nothing(client, estate, running, saturday):
    client.force_login(estate.manager)
    before = (running.start, running.end)
    data = window_data(saturday, start=local(saturday[1]), end=local(saturday[0]))
    response = client.post(f"/changes/windows/{running.pk}/edit/", data)
    assert response.status_code == 400 and 'data-testid="form-errors"' in response.content.decode()
    running.refresh_from_db()
    assert (running.start, running.end) == before and running.name == "Quarter end"
    assert not AuditEntry.objects.filter(verb="window_update").exists()


def test_end_now(client, estate, lead, running):
    client.force_login(lead)
    response = client.post(f"/changes/windows/{running.pk}/end/", {"reason": "quarter closed early"})
    assert response.status_code == 302
    running.refresh_from_db()
    assert abs((running.end - timezone.now()).total_seconds()) < 60
    entry = AuditEntry.objects.get(verb="window_end")
    assert entry.reason == "quarter closed early" and entry.actor == lead


def test_ending_a_window_that_has_not_started_is_refused(client, estate, saturday):
    future = services.window_create(
        actor=estate.admin, name="Later", kind="window", start=saturday[0], end=saturday[1]
    )
    client.force_login(estate.manager)
    response = client.post(f"/changes/windows/{future.pk}/end/", follow=True)
    assert "has not started yet" in response.content.decode()
    future.refresh_from_db()
    assert future.end == saturday[1]
    assert not AuditEntry.objects.filter(verb="window_end").exists()


def test_window_services_check_permissions(estate, running):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.window_update(actor=estate.cab1, window=running, name="x")
    with pytest.raises(PermissionDenied):
        services.window_end(actor=estate.auditor, window=running)
