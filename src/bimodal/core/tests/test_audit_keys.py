"""The keyed audit chain: HMAC key, signed checkpoints, dumpdata round trip and PostgreSQL's trigger."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from bimodal.core import audit
from bimodal.core.choices import AuditAction
from bimodal.core.models import AuditChainHead, AuditEntry
from bimodal.core.tests.factories import OrgUnitFactory
from bimodal.core.verbs import AuditVerb

pytestmark = pytest.mark.django_db


def _record(n: int) -> list[AuditEntry]:
    unit = OrgUnitFactory()
    return [
        audit.record(
            actor=None, action=AuditAction.UPDATE, obj=unit, after={"i": i}, verb=AuditVerb.ORGUNIT_UPDATE
        )
        for i in range(n)
    ]


def _tamper(statement: str, params=()) -> None:
    audit.maintenance(connection)
    with connection.cursor() as cursor:
        cursor.execute(statement.replace("{table}", AuditEntry._meta.db_table), params)


def _rechain_from(seq: int, key: bytes) -> None:
    """What a forger with the database (but not the key) does: recompute every later hash with a key."""
    prev = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else audit.GENESIS_HASH
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        entry.prev_hash = prev
        prev = audit._digest(entry, key)
        _tamper(
            "UPDATE {table} SET prev_hash = %s, hash = %s WHERE id = %s", [entry.prev_hash, prev, entry.pk]
        )
    AuditChainHead.objects.filter(pk=1).update(last_hash=prev)


def test_the_chain_is_keyed(settings):
    _record(3)
    assert audit.verify()[1] == []
    settings.BIMODAL_AUDIT_KEY = "another key"
    assert audit.verify()[1], "under another key no entry verifies"


def test_rewrite_and_recompute_without_the_key_is_detected(settings):
    entries = _record(4)
    _tamper("UPDATE {table} SET reason = %s WHERE seq = %s", ["approved", entries[1].seq])
    _rechain_from(entries[1].seq, key=b"a guessed key")
    messages = {p.message for p in audit.verify()[1]}
    assert "content does not match its hash (entry was edited)" in messages


def test_checkpoint_detects_truncation_and_rewrite_with_the_key():
    entries = _record(4)
    point = audit.checkpoint()
    assert point["head_seq"] == entries[-1].seq and point["head_hash"] == entries[-1].hash
    assert point["count"] == AuditEntry.objects.count()
    assert audit.verify_checkpoint(point) == []
    _record(2)  # the log grows after the checkpoint: still consistent with it
    assert audit.verify_checkpoint(point) == []

    # Someone with the key rewrites an entry and recomputes everything: the chain verifies, the
    # checkpoint does not.
    _tamper("UPDATE {table} SET reason = %s WHERE seq = %s", ["approved", entries[1].seq])
    _rechain_from(entries[1].seq, key=audit.audit_key())
    assert audit.verify()[1] == []
    assert [p.message for p in audit.verify_checkpoint(point)] == [
        "the hash at the checkpoint differs (the chain was rewritten)"
    ]


def test_checkpoint_detects_a_cut_back_log_with_the_head_moved():
    entries = _record(4)
    point = audit.checkpoint()
    # Delete the newest entries and move the head back: the chain itself verifies.
    _tamper("DELETE FROM {table} WHERE seq >= %s", [entries[2].seq])
    AuditChainHead.objects.filter(pk=1).update(seq=entries[1].seq, last_hash=entries[1].hash)
    assert audit.verify()[1] == []
    problems = [p.message for p in audit.verify_checkpoint(point)]
    assert "the checkpoint's head entry is missing (the log was cut back)" in problems


def test_a_forged_checkpoint_is_refused():
    _record(2)
    point = audit.checkpoint()
    point["count"] += 1
    assert [p.message for p in audit.verify_checkpoint(point)] == [
        "the checkpoint's signature does not match (forged, or another key)"
    ]
    assert audit.verify_checkpoint({"nonsense": 1})[0].message.startswith("the checkpoint is not")


def test_checkpoint_and_verify_commands(tmp_path):
    entries = _record(3)
    out = StringIO()
    call_command("audit", "checkpoint", stdout=out)
    file = tmp_path / "checkpoint.json"
    file.write_text(out.getvalue())
    assert json.loads(out.getvalue())["head_seq"] == entries[-1].seq
    ok = StringIO()
    call_command("audit", "verify", "--checkpoint", str(file), stdout=ok)
    assert "OK" in ok.getvalue()
    _tamper("DELETE FROM {table} WHERE seq = %s", [entries[-1].seq])
    AuditChainHead.objects.filter(pk=1).update(seq=entries[-2].seq, last_hash=entries[-2].hash)
    call_command("audit", "verify", stdout=StringIO())  # the chain alone looks fine …
    with pytest.raises(CommandError):  # … the checkpoint shows the cut
        call_command("audit", "verify", "--checkpoint", str(file), stdout=StringIO(), stderr=StringIO())


def test_a_dumpdata_loaddata_round_trip_verifies(tmp_path):
    _record(3)
    dump = tmp_path / "audit.json"
    call_command("dumpdata", "core.auditentry", "core.auditchainhead", output=str(dump), verbosity=0)
    rows = json.loads(dump.read_text())
    assert any("." in row["fields"]["timestamp"] for row in rows if row["model"] == "core.auditentry")
    _tamper("DELETE FROM {table}")
    call_command("loaddata", str(dump), verbosity=0)
    assert audit.verify()[1] == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_update_and_delete_of_audit_rows():
    entry = _record(1)[0]
    for statement in ("UPDATE {table} SET reason = 'x' WHERE id = %s", "DELETE FROM {table} WHERE id = %s"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement.replace("{table}", AuditEntry._meta.db_table), [entry.pk])
    with transaction.atomic():
        _tamper("UPDATE {table} SET reason = 'repaired' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).reason == "repaired"
