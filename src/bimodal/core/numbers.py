"""Numbers that identify records to people (ticket numbers, change references, questionnaire versions).

Taken from a database sequence on PostgreSQL: `nextval` never waits for another transaction and never
hands out a number twice, so parallel creates get distinct numbers without a lock (a rolled-back create
leaves a gap; numbers need not be gap-free). Elsewhere (SQLite, which lets one writer in at a time) from
a `Counter` row incremented in place. A gap-free counter (questionnaire versions: v1, v2, v3 …) is a
`Counter` row on every database: its row stays locked until the transaction ends, so creates of that
kind queue (rare ones only). Never "highest + 1": two transactions read the same highest.

Each counter is created by its owning app's migration (`create_counter`), seeded past the numbers
already in use."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, connections, migrations, models, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db.models import Max

from bimodal.core.models import Counter

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


def sequence_name(name: str) -> str:
    """The PostgreSQL sequence behind counter `name`."""
    if not _NAME.match(name):
        raise ValueError(f"bad counter name {name!r}")
    return f"bimodal_counter_{name}"


def next_number(
    name: str, *, seed: tuple[type[models.Model], str], gap_free: bool = False, using: str = "default"
) -> int:
    """The next number of counter `name` (created by a migration with create_counter, as gap-free or not).

    `seed` (a model and a field) says where the numbers in use are, should the counter row be missing
    (a test database emptied between tests): it is then recreated past the highest of them."""
    connection = connections[using]
    if connection.vendor == "postgresql" and not gap_free:
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [sequence_name(name)])
            return int(cursor.fetchone()[0])
    table = connection.ops.quote_name(Counter._meta.db_table)
    for _ in range(2):
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE name = %s RETURNING value", [name])
            row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        model, field = seed
        last = model._default_manager.using(using).aggregate(n=Max(field))["n"] or 0
        try:
            with transaction.atomic(using=using):
                Counter.objects.using(using).create(name=name, value=last)
        except IntegrityError:
            pass  # created in between by another transaction: take the next number from it
    raise LookupError(f"no counter {name!r}")


def _start(schema_editor: BaseDatabaseSchemaEditor, seed_sql: str) -> int:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(seed_sql)
        row = cursor.fetchone()
    return int(row[0] or 0) if row else 0


def create_counter(name: str, seed_sql: str, *, gap_free: bool = False) -> migrations.RunPython:
    """A migration operation that creates counter `name`; its first number follows the value of
    `seed_sql` (one row, one column: the highest number in use, or NULL)."""
    sequence = not gap_free

    def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        last = _start(schema_editor, seed_sql)
        if sequence and schema_editor.connection.vendor == "postgresql":
            seq = schema_editor.quote_name(sequence_name(name))
            schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {seq} START WITH {last + 1}")
            return
        model: Any = apps.get_model("core", "Counter")
        model.objects.using(schema_editor.connection.alias).update_or_create(
            name=name, defaults={"value": last}
        )

    def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if sequence and schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP SEQUENCE IF EXISTS {schema_editor.quote_name(sequence_name(name))}")
            return
        model: Any = apps.get_model("core", "Counter")
        model.objects.using(schema_editor.connection.alias).filter(name=name).delete()

    forward_fn: Callable[[StateApps, BaseDatabaseSchemaEditor], None] = forward
    return migrations.RunPython(forward_fn, backward)
