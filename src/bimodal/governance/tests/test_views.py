"""Forum pages: create and edit for those who may; 403 for readers, 404 for the unseen; nothing written
on bad input; audited."""

import pytest

from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import UserFactory
from bimodal.governance import services
from bimodal.governance.models import Forum


class People(dict):
    __getattr__ = dict.__getitem__


@pytest.fixture
def people(db):
    return People(
        lead=UserFactory(username="gina", roles=["governance_lead"]),
        manager=UserFactory(username="chris", roles=["change_manager"]),
        cab=UserFactory(username="carla", roles=["cab_member"]),
        auditor=UserFactory(username="audrey", roles=["auditor"]),
        requester=UserFactory(username="rita", roles=["requester"]),
    )


@pytest.fixture
def board(people):
    return services.forum_create(
        actor=people.lead,
        name="Architecture board",
        kind="architecture_board",
        quorum=3,
        members=[people.cab],
    )


def forum_data(people, **overrides) -> dict:
    data = {
        "name": "Emergency CAB",
        "kind": "ecab",
        "charter": "Approves emergency changes out of hours.",
        "cadence": "On call",
        "quorum": "2",
        "members": [people.manager.pk, people.cab.pk],
    }
    return {**data, **overrides}


def test_list_shows_buttons_only_to_writers(client, people, board):
    client.force_login(people.lead)
    page = client.get("/governance/forums/").content.decode()
    assert 'data-testid="new-forum"' in page and 'data-testid="edit-forum"' in page
    client.force_login(people.manager)  # may edit forums, not create them
    page = client.get("/governance/forums/").content.decode()
    assert 'data-testid="new-forum"' not in page and 'data-testid="edit-forum"' in page
    client.force_login(people.cab)
    page = client.get("/governance/forums/").content.decode()
    assert "Architecture board" in page and "new-forum" not in page and "edit-forum" not in page


def test_governance_lead_creates_a_forum(client, people):
    client.force_login(people.lead)
    assert client.get("/governance/forums/new/").status_code == 200
    response = client.post("/governance/forums/new/", forum_data(people))
    assert response.status_code == 302
    forum = Forum.objects.get(name="Emergency CAB")
    assert forum.kind == "ecab" and forum.quorum == 2 and forum.slug == "emergency-cab"
    assert set(forum.members.all()) == {people.manager, people.cab}
    assert AuditEntry.objects.get(verb="forum_create").actor == people.lead


def test_change_manager_edits_a_forum_but_cannot_create_one(client, people, board):
    client.force_login(people.manager)
    assert client.get("/governance/forums/new/").status_code == 403
    assert client.get(f"/governance/forums/{board.slug}/edit/").status_code == 200
    data = forum_data(
        people, name="Architecture board", kind="architecture_board", quorum="1", reason="fewer members"
    )
    data["members"] = [people.lead.pk]
    assert client.post(f"/governance/forums/{board.slug}/edit/", data).status_code == 302
    board.refresh_from_db()
    assert board.quorum == 1 and list(board.members.all()) == [people.lead]
    entry = AuditEntry.objects.get(verb="forum_update")
    assert entry.actor == people.manager and entry.reason == "fewer members"


@pytest.mark.parametrize("role", ["cab", "auditor"])
def test_readers_get_403_and_nothing_is_written(client, people, board, role):
    client.force_login(people[role])
    assert client.get("/governance/forums/new/").status_code == 403
    assert client.post("/governance/forums/new/", forum_data(people)).status_code == 403
    assert client.get(f"/governance/forums/{board.slug}/edit/").status_code == 403
    assert client.post(f"/governance/forums/{board.slug}/edit/", forum_data(people)).status_code == 403
    board.refresh_from_db()
    assert board.name == "Architecture board" and Forum.objects.count() == 1
    assert not AuditEntry.objects.filter(verb="forum_update").exists()


def test_unknown_or_invisible_forum_is_404(client, people, board):
    client.force_login(people.lead)
    assert client.get("/governance/forums/no-such-forum/edit/").status_code == 404
    client.force_login(people.requester)  # cannot see forums at all
    assert client.get(f"/governance/forums/{board.slug}/edit/").status_code == 404


def test_bad_input_writes_nothing(client, people, board):
    client.force_login(people.lead)
    response = client.post("/governance/forums/new/", forum_data(people, quorum="0"))
    assert response.status_code == 400 and 'data-testid="form-errors"' in response.content.decode()
    # A name another forum has is refused by the model's validation (through the service).
    response = client.post("/governance/forums/new/", forum_data(people, name="Architecture board"))
    assert response.status_code == 400 and "already exists" in response.content.decode()
    response = client.post(f"/governance/forums/{board.slug}/edit/", forum_data(people, name="", quorum="3"))
    assert response.status_code == 400
    board.refresh_from_db()
    assert board.name == "Architecture board" and Forum.objects.count() == 1
    assert not AuditEntry.objects.filter(verb__in=["forum_update"]).exists()
    assert AuditEntry.objects.filter(verb="forum_create").count() == 1


def test_forum_list_is_paged_in_flat_queries(client, people, board, django_assert_max_num_queries):
    client.force_login(people.auditor)
    with django_assert_max_num_queries(20) as few:
        assert client.get("/governance/forums/").status_code == 200
    for i in range(5):
        services.forum_create(actor=people.lead, name=f"Board {i}", members=[people.cab, people.manager])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/governance/forums/").content.decode()
    assert page.count('data-testid="forum-link"') == 6 and "Board 4" in page


def test_forum_pages_need_the_view_permission(client, people, board):
    client.force_login(UserFactory(username="nobody"))
    assert client.get("/governance/forums/").status_code == 403
    assert client.get(f"/governance/forums/{board.slug}/").status_code == 403
    client.force_login(people.auditor)
    page = client.get(f"/governance/forums/{board.slug}/").content.decode()
    assert "Architecture board" in page and str(people.cab) in page
    assert client.get("/governance/forums/no-such-forum/").status_code == 404
