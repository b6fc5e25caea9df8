"""The hash-chained audit log: appending, append-only guards and tamper detection."""

from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from bimodal.core import audit
from bimodal.core.choices import AuditAction
from bimodal.core.models import AuditChainHead, AuditEntry
from bimodal.core.tests.factories import OrgUnitFactory
from bimodal.core.verbs import AuditVerb

pytestmark = pytest.mark.django_db


TABLE = AuditEntry._meta.db_table


def _record(obj, n: int, actor=None) -> list[AuditEntry]:
    return [
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=obj,
            after={"i": i},
            reason=f"r{i}",
            verb=AuditVerb.ORGUNIT_UPDATE,
        )
        for i in range(n)
    ]


def _sql(statement: str, params=()) -> int:
    """Tamper with the table directly (on PostgreSQL through the maintenance setting its trigger honours)."""
    audit.maintenance(connection)
    statement = statement.replace("{table}", connection.ops.quote_name(TABLE))
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def _problems() -> list[tuple[int, str]]:
    _, problems = audit.verify()
    return [(p.seq, p.message) for p in problems]


def test_record_appends_a_linked_chain(make_user):
    actor = make_user("governance_lead", username="alice")
    unit = OrgUnitFactory()
    existing = AuditEntry.objects.count()  # the modes seeded by migrate are already audited
    entries = _record(unit, 3, actor=actor)

    chain = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in chain] == list(range(1, existing + 4))
    assert [e.seq for e in entries] == [existing + 1, existing + 2, existing + 3]
    assert chain[0].prev_hash == audit.GENESIS_HASH
    for previous, entry in pairwise(chain):
        assert entry.prev_hash == previous.hash
    assert len({e.hash for e in chain}) == len(chain)

    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.last_hash) == (existing + 3, entries[-1].hash)

    stored = AuditEntry.objects.get(seq=existing + 2)
    assert stored.actor == actor
    assert stored.actor_label == "alice"
    assert stored.object_id == str(unit.pk)
    assert stored.object_repr == str(unit)
    assert stored.after == {"i": 1}
    assert stored.reason == "r1"
    assert audit.verify() == (existing + 3, [])


def test_record_without_actor_is_labelled_system():
    entry = audit.record(
        actor=None, action=AuditAction.CREATE, obj=OrgUnitFactory(), verb=AuditVerb.ORGUNIT_CREATE
    )
    assert entry.actor is None
    assert entry.actor_label == "system"


def test_record_rejects_an_unknown_verb_and_writes_nothing():
    unit = OrgUnitFactory()
    before = AuditEntry.objects.count()
    with pytest.raises(ValueError, match="unknown audit verb 'orgunit_frobnicate'"):
        audit.record(actor=None, action=AuditAction.UPDATE, obj=unit, verb="orgunit_frobnicate")
    assert AuditEntry.objects.count() == before
    # A verb given as its string value is as good as the member.
    entry = audit.record(actor=None, action=AuditAction.UPDATE, obj=unit, verb="orgunit_update")
    assert entry.verb == AuditVerb.ORGUNIT_UPDATE


def test_every_status_a_service_moves_to_has_its_verb():
    """Services record status changes as `<entity>_<new status>`: each status must be a known verb."""
    from bimodal.changes.choices import ChangeStatus
    from bimodal.delivery.choices import DemandStatus, InitiativeStatus
    from bimodal.governance.choices import DecisionStatus
    from bimodal.portfolio.choices import ProposalStatus

    families = {
        "change": ChangeStatus,
        "demand": DemandStatus,
        "initiative": InitiativeStatus,
        "decision": DecisionStatus,
        "proposal": ProposalStatus,
    }
    missing = [f"{p}_{v}" for p, c in families.items() for v in c.values if f"{p}_{v}" not in set(AuditVerb)]
    assert missing == []


def test_record_rejects_an_unknown_action():
    with pytest.raises(ValueError):
        audit.record(actor=None, action="frobnicate", obj=OrgUnitFactory(), verb=AuditVerb.ORGUNIT_UPDATE)


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction():
    unit = OrgUnitFactory()
    before = AuditEntry.objects.count()
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="transaction"):
        audit.record(actor=None, action=AuditAction.CREATE, obj=unit, verb=AuditVerb.ORGUNIT_CREATE)
    assert AuditEntry.objects.count() == before
    with transaction.atomic():
        audit.record(actor=None, action=AuditAction.CREATE, obj=unit, verb=AuditVerb.ORGUNIT_CREATE)
    assert AuditEntry.objects.count() == before + 1


def test_verify_reports_nothing_on_a_clean_chain():
    _record(OrgUnitFactory(), 5)
    checked, problems = audit.verify(chunk_size=2)
    assert checked == AuditEntry.objects.count()
    assert problems == []


def test_verify_detects_an_edited_reason():
    entries = _record(OrgUnitFactory(), 4)
    victim = entries[1]
    assert _sql("UPDATE {table} SET reason = %s WHERE seq = %s", ["nothing to see", victim.seq]) == 1
    assert _problems() == [(victim.seq, "content does not match its hash (entry was edited)")]


def test_verify_detects_an_edited_after_value():
    entries = _record(OrgUnitFactory(), 3)
    victim = entries[0]
    _sql("UPDATE {table} SET after = %s WHERE seq = %s", ['{"i": 42}', victim.seq])
    assert AuditEntry.objects.get(seq=victim.seq).after == {"i": 42}
    assert _problems() == [(victim.seq, "content does not match its hash (entry was edited)")]


def test_verify_detects_a_deleted_middle_row():
    entries = _record(OrgUnitFactory(), 4)
    middle = entries[1]
    assert _sql("DELETE FROM {table} WHERE seq = %s", [middle.seq]) == 1
    following = middle.seq + 1
    assert _problems() == [
        (following, f"sequence gap: expected #{middle.seq}"),
        (following, "previous-hash link broken (an entry was removed)"),
    ]


def test_verify_detects_a_truncated_tail():
    entries = _record(OrgUnitFactory(), 3)
    last = entries[-1]
    _sql("DELETE FROM {table} WHERE seq = %s", [last.seq])
    assert _problems() == [(last.seq, "chain head does not match the last entry (entries truncated)")]


def test_verify_detects_a_forged_row_with_a_recomputed_hash():
    entries = _record(OrgUnitFactory(), 4)
    victim = AuditEntry.objects.get(seq=entries[1].seq)
    victim.reason = "approved by the CAB"  # the forger edits the row …
    forged_hash = audit._digest(victim)  # … and recomputes its hash, but cannot re-link the next entry
    _sql(
        "UPDATE {table} SET reason = %s, hash = %s WHERE seq = %s",
        [victim.reason, forged_hash, victim.seq],
    )
    assert _problems() == [(victim.seq + 1, "previous-hash link broken (an entry was removed)")]


def test_entries_cannot_be_changed_or_deleted_through_the_orm():
    entry = _record(OrgUnitFactory(), 1)[0]
    entry.reason = "rewritten"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(ValidationError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(ValidationError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == "r0"
    assert audit.verify()[1] == []


def test_before_and_after_round_trip_dates_and_decimals():
    london = ZoneInfo("Europe/London")
    before = {"due": date(2024, 2, 29), "target": Decimal("99.950"), "n": 3, "none": None}
    after = {
        "due": date(2024, 3, 1),
        "at": datetime(2024, 7, 1, 9, 30, 15, 123456, tzinfo=london),
        "target": Decimal("99.990"),
        "tags": [1, 2],
        "text": "Zürich — ünïcode",
    }
    entry = audit.record(
        actor=None,
        action=AuditAction.UPDATE,
        obj=OrgUnitFactory(),
        before=before,
        after=after,
        verb=AuditVerb.ORGUNIT_UPDATE,
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.before == {"due": "2024-02-29", "target": "99.950", "n": 3, "none": None}
    assert stored.after == {
        "due": "2024-03-01",
        "at": "2024-07-01T09:30:15.123+01:00",
        "target": "99.990",
        "tags": [1, 2],
        "text": "Zürich — ünïcode",
    }
    # What is read back hashes to what was written: verify() recomputes from the stored row.
    assert audit._digest(stored) == entry.hash == stored.hash
    assert audit.verify()[1] == []


def test_snapshot_is_json_ready_and_ignores_the_modification_time():
    unit = OrgUnitFactory(name="Retail", slug="retail")
    data = audit.snapshot(unit)
    assert data["name"] == "Retail"
    assert data["slug"] == "retail"
    assert isinstance(data["created_at"], str)
    assert "updated_at" not in data


def test_changed_fields_lists_only_differences():
    entry = audit.record(
        actor=None,
        action=AuditAction.UPDATE,
        obj=OrgUnitFactory(),
        before={"a": 1, "b": "x", "c": None},
        after={"a": 1, "b": "y", "d": 4},
        verb=AuditVerb.ORGUNIT_UPDATE,
    )
    assert entry.changed_fields == [("b", "x", "y"), ("d", None, 4)]


def test_record_uses_the_current_request_id():
    unit = OrgUnitFactory()
    token = audit.current_request_id.set("req-1234")
    try:
        inside = audit.record(actor=None, action=AuditAction.UPDATE, obj=unit, verb=AuditVerb.ORGUNIT_UPDATE)
    finally:
        audit.current_request_id.reset(token)
    outside = audit.record(actor=None, action=AuditAction.UPDATE, obj=unit, verb=AuditVerb.ORGUNIT_UPDATE)
    assert AuditEntry.objects.get(pk=inside.pk).request_id == "req-1234"
    assert outside.request_id == ""
    assert audit.verify()[1] == []


def test_a_snapshot_stays_normalised_when_changed_and_is_recorded_as_is():
    unit = OrgUnitFactory()
    snap = audit.snapshot(unit)
    assert isinstance(snap, audit.Snapshot) and audit.to_json(snap) is snap  # not normalised twice
    snap["when"] = datetime(2026, 5, 1, 12, 0, tzinfo=ZoneInfo("UTC"))
    snap.update(amount=Decimal("1.50"))
    assert snap["when"] == "2026-05-01T12:00:00Z" and snap["amount"] == "1.50"
    with transaction.atomic():
        entry = audit.record(
            actor=None, action=AuditAction.UPDATE, obj=unit, after=snap, verb=AuditVerb.ORGUNIT_UPDATE
        )
    assert AuditEntry.objects.get(pk=entry.pk).after == snap
    assert audit.verify()[1] == []
