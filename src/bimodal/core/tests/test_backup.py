"""`bimodal backup` / `bimodal restore`: a round trip brings back every row and a verifying audit chain."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from bimodal.core import audit
from bimodal.core.models import AuditEntry, OrgUnit
from bimodal.core.tests.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_and_restore_round_trip(tmp_path, make_user):
    actor = make_user("administrator")
    from bimodal.core import services

    services.orgunit_create(actor=actor, name="Before the backup")
    entries = AuditEntry.objects.count()
    point = tmp_path / "checkpoint.json"
    out = StringIO()
    call_command("audit", "checkpoint", stdout=out)
    point.write_text(out.getvalue())
    file = tmp_path / "bimodal.backup"
    call_command("backup", str(file), stdout=StringIO())
    assert file.stat().st_size > 0
    with pytest.raises(CommandError, match="exists"):
        call_command("backup", str(file))

    # After the backup: new work, and damage (an audit row gone, an org unit deleted).
    OrgUnitFactory(name="After the backup")
    with transaction.atomic():  # the maintenance setting lasts for its transaction
        audit.maintenance(connection)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE seq = 1")
    assert audit.verify()[1]

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(file))
    restored = StringIO()
    call_command("restore", str(file), "--yes", "--checkpoint", str(point), stdout=restored)
    assert "the chain is intact" in restored.getvalue()
    assert AuditEntry.objects.count() == entries
    assert OrgUnit.objects.filter(name="Before the backup").exists()
    assert not OrgUnit.objects.filter(name="After the backup").exists()
    assert audit.verify()[1] == []
