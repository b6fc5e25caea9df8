"""Rule: every write goes through a service that records an audit row in the same transaction.

For every API endpoint that creates rows (POST to its list) or changes them (PATCH), a generic write is
made as the administrator — a create re-submits a row as the endpoint's own write serializer shows it (the
row deleted first, so its unique values are free); an update changes one field, free text where there is
one — and then:

* the write succeeds and leaves exactly one audit entry of its kind about the row written (create, or
  update with the old value in `before` and the new one in `after`), every entry of the request carries the
  caller and the request's id, and the hash chain still verifies;
* when the audit insert fails — the next sequence number is taken by a row put there directly, so the
  unique constraint on `seq` refuses the insert: a real database error, no mock — nothing of the write
  remains: no row in any table, and the row's fields unchanged.
"""

from __future__ import annotations

import itertools

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError

from bimodal.core import audit
from bimodal.core.models import AuditChainHead, AuditEntry
from tests.house_rules.api import lookup_values
from tests.house_rules.calls import api_call, changed_tables, endpoints_under_test, row_counts
from tests.house_rules.exclusions import API_WITHOUT_MODEL, WRITES_NOT_GENERIC
from tests.house_rules.known_bugs import params
from tests.house_rules.makers import MAKERS, make
from tests.house_rules.writes import changeable_field, create_payload, new_value, update_payloads

_serials = itertools.count(1)


def _writes(action: str) -> list:
    found = []
    for endpoint in endpoints_under_test():
        if endpoint.id in API_WITHOUT_MODEL or f"{endpoint.id} {action}" in WRITES_NOT_GENERIC:
            continue
        model = endpoint.model()
        if (
            any(a == action for _, _, a in endpoint.calls)
            and model is not None
            and model._meta.label in MAKERS
        ):
            found.append(endpoint)
    return found


CREATES, UPDATES = _writes("create"), _writes("partial_update")


def _send(client, endpoint, action: str, values, data):
    """Send the write with a request id of its own; return the answer and the id."""
    route, method = next((route, method) for route, method, a in endpoint.calls if a == action)
    request_id = f"house-rules-{next(_serials)}"
    client.defaults["HTTP_X_REQUEST_ID"] = request_id
    return api_call(client, route, method, values, data), request_id


def _last_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _squat_next_seq() -> None:
    """Take the sequence number the next audit entry will get, without moving the chain head."""
    head = AuditChainHead.objects.get(pk=1)
    AuditEntry.objects.create(
        seq=head.seq + 1,
        action="update",
        content_type=ContentType.objects.get_for_model(AuditChainHead),
        object_id="1",
        object_repr="squatter",
        prev_hash=head.last_hash,
        hash=f"{head.seq + 1:064x}",
    )


def _one_entry_about(since: int, request_id: str, actor, model, pk, action: str) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(seq__gt=since).order_by("seq"))
    assert entries, "the write left no audit entry"
    strays = [(e.seq, e.verb) for e in entries if e.actor_id != actor.pk or e.request_id != request_id]
    assert not strays, f"entries not of this request or caller: {strays}"
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=True)
    about = [e for e in entries if e.content_type_id == content_type.pk and e.object_id == str(pk)]
    # The write's own entry comes first; a later step of the same request (a demand scored as it is
    # raised) may add entries of other verbs about the row, never a second one of the write.
    summary = [(e.action, e.verb) for e in about]
    assert about and about[0].action == action, f"entries about the row: {summary}"
    assert len({e.verb for e in about}) == len(about), f"an entry is repeated: {summary}"
    _checked, problems = audit.verify()
    assert not problems, problems
    return about[0]


def _create_payload(endpoint, world) -> dict:
    model = endpoint.model()
    return create_payload(endpoint, lambda: make(model, world.alpha), world.admin)


@pytest.mark.parametrize("endpoint", params("test_create_is_audited", CREATES, [e.id for e in CREATES]))
def test_create_is_audited(endpoint, world, db, client):
    client.force_login(world.admin)
    model = endpoint.model()
    data = _create_payload(endpoint, world)
    before_pks, since = set(model._default_manager.values_list("pk", flat=True)), _last_seq()

    response, request_id = _send(client, endpoint, "create", None, data)
    assert response.status_code == 201, (data, response.content[:500])
    new = set(model._default_manager.values_list("pk", flat=True)) - before_pks
    assert len(new) == 1, f"{len(new)} new rows"
    _one_entry_about(since, request_id, world.admin, model, new.pop(), "create")


@pytest.mark.parametrize(
    "endpoint", params("test_create_is_undone_when_audit_fails", CREATES, [e.id for e in CREATES])
)
def test_create_is_undone_when_audit_fails(endpoint, world, db, client):
    client.force_login(world.admin)
    data = _create_payload(endpoint, world)
    _squat_next_seq()
    before = row_counts()
    with pytest.raises(IntegrityError):
        _send(client, endpoint, "create", None, data)
    assert changed_tables(before, row_counts()) == {}


def _update(endpoint, world):
    """(model, row, field, new value, URL values, PATCH bodies to try in turn)."""
    model = endpoint.model()
    name = changeable_field(endpoint, model, world.admin)
    assert name is not None, "no field to change: name the endpoint in WRITES_NOT_GENERIC"
    row = world.of(model)[0]
    route = next(route for route, _method, a in endpoint.calls if a == "partial_update")
    value = new_value(row, name, next(_serials))
    bodies = update_payloads(endpoint, row, world.admin, name, value)
    return model, row, name, value, lookup_values(endpoint, route, row), bodies


def _written_row(model, row, name: str, value):
    """The row now holding the new value: `row` itself, or the new version a versioned model saved."""
    row.refresh_from_db()
    if str(getattr(row, name)) == str(value):
        return row, "update"
    written = [r for r in model._default_manager.all() if str(getattr(r, name)) == str(value)]
    assert len(written) == 1, f"{len(written)} rows hold the new {name}"
    return written[0], "create"


@pytest.mark.parametrize("endpoint", params("test_update_is_audited", UPDATES, [e.id for e in UPDATES]))
def test_update_is_audited(endpoint, world, db, client):
    client.force_login(world.admin)
    model, row, name, value, values, bodies = _update(endpoint, world)
    old_value, since = getattr(row, name), _last_seq()

    for body in bodies:
        response, request_id = _send(client, endpoint, "partial_update", values, body)
        if response.status_code != 400:
            break
    assert response.status_code == 200, (bodies[-1], response.content[:500])
    written, action = _written_row(model, row, name, value)
    entry = _one_entry_about(since, request_id, world.admin, model, written.pk, action)
    if action == "update":
        assert (str(entry.before[name]), str(entry.after[name])) == (str(old_value), str(value))


@pytest.mark.parametrize(
    "endpoint", params("test_update_is_undone_when_audit_fails", UPDATES, [e.id for e in UPDATES])
)
def test_update_is_undone_when_audit_fails(endpoint, world, db, client):
    client.force_login(world.admin)
    _model, row, name, _value, values, bodies = _update(endpoint, world)
    old_value = getattr(row, name)
    _squat_next_seq()
    before = row_counts()
    raised = False
    for body in bodies:
        try:
            response, _request_id = _send(client, endpoint, "partial_update", values, body)
        except IntegrityError:
            raised = True
            break
        assert response.status_code == 400, f"the write went through without its audit entry: {response}"
    assert raised, "no PATCH body was accepted"
    assert changed_tables(before, row_counts()) == {}
    row.refresh_from_db()
    assert getattr(row, name) == old_value
