"""Database helpers for the hot paths (the deployment gate): ids taken ahead of the insert, multi-row
VALUES inserts, and queries the ORM builds once and PostgreSQL plans once.

Everything here is an optimisation with the same result as the plain ORM call it replaces; each helper
says what it saves. Most code should not need it."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Field, QuerySet

_M = TypeVar("_M", bound=models.Model)
# A compiled query: its SQL, its parameters, where each stand-in goes, and each column's converters.
_Template = tuple[str, list[Any], list[tuple[int, str]], list[tuple[int, tuple[list[Any], Any]]]]


def is_postgresql(using: str = "default") -> bool:
    return connections[using].vendor == "postgresql"


def allocate_ids(
    *model_classes: type[models.Model], sequences: Sequence[str] = (), using: str = "default"
) -> list[int] | None:
    """One new id for each of `model_classes`, from their sequences, in one query (PostgreSQL), then
    the next value of each named sequence in `sequences` (e.g. a counter's, core.numbers).

    A row whose id is known before it is written can be linked to and audited first and inserted
    later with the others (see audit.add_rows). None on other databases: ids come from the insert."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    calls = ["nextval(pg_get_serial_sequence(%s, 'id'))"] * len(model_classes) + ["nextval(%s)"] * len(
        sequences
    )
    sql, params = f"SELECT {', '.join(calls)}", [*(m._meta.db_table for m in model_classes), *sequences]
    with prepared_cursor(connection) as cursor:
        raw = connection.connection
        if connection.in_atomic_block and raw.info.transaction_status == _IDLE:
            # The transaction's first statement: in pipeline mode psycopg sends its BEGIN with it, one
            # round trip instead of two.
            with raw.pipeline():
                cursor.execute(sql, params)
                return list(cursor.fetchone())
        cursor.execute(sql, params)
        return list(cursor.fetchone())


def json_ids(ids: Sequence[int], using: str = "default") -> tuple[str, list[str]]:
    """A subquery of the integers `ids` passed as ONE JSON parameter (`pk__in=RawSQL(*json_ids(ids))`):
    its text is the same for ten ids or a hundred thousand — an `IN (%s, %s, …)` list grows the
    statement, its parsing and planning with the data, and past SQLite's variable limit fails."""
    payload = json.dumps([int(i) for i in ids])
    if connections[using].vendor == "postgresql":
        return "SELECT (jsonb_array_elements_text(%s::jsonb))::bigint", [payload]
    return "SELECT value FROM json_each(%s)", [payload]


def json_texts(values: Sequence[str], using: str = "default") -> tuple[str, list[str]]:
    """json_ids for strings (`slug__in=RawSQL(*json_texts(slugs))`)."""
    payload = json.dumps([str(v) for v in values], ensure_ascii=False)
    if connections[using].vendor == "postgresql":
        return "SELECT jsonb_array_elements_text(%s::jsonb)", [payload]
    return "SELECT value FROM json_each(%s)", [payload]


# Rows per statement of insert_rows on PostgreSQL (one JSON parameter: memory, not a limit, bounds it).
_RECORDSET_ROWS = 5000


def insert_rows(connection: BaseDatabaseWrapper, objs: Sequence[models.Model]) -> None:
    """Insert new rows of one model as they stand (no save(), no signals: prepare them with
    prepare_insert) in as few statements as the database takes, and give them their ids.

    PostgreSQL: _RECORDSET_ROWS rows per statement as one JSON parameter (recordset_insert).
    Elsewhere multi-row VALUES up to the database's limit of variables per statement (SQLite's own
    limit, 32,766 in current builds, not Django's conservative 999). Not bulk_create: on SQLite it
    sends 52 rows of a 19-column table per statement, on PostgreSQL each column as an array."""
    if not objs:
        return
    returning = objs[0].pk is None and connection.features.can_return_rows_from_bulk_insert
    if connection.vendor == "postgresql":
        size = _RECORDSET_ROWS
    else:
        with_pk = objs[0].pk is not None
        width = len([f for f in objs[0]._meta.concrete_fields if with_pk or not f.primary_key])
        size = max(1, _variable_limit(connection) // width)
    for start in range(0, len(objs), size):
        part = objs[start : start + size]
        build = recordset_insert if connection.vendor == "postgresql" else values_insert
        sql, params = build(connection, part, returning=returning)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = [r[0] for r in cursor.fetchall()] if returning else [o.pk for o in part]
        for obj, pk in zip(part, ids, strict=True):
            obj.pk = pk
            obj._state.adding, obj._state.db = False, connection.alias


def _variable_limit(connection: BaseDatabaseWrapper) -> int:
    """The most parameters one statement may have (SQLite: asked of the library; else Django's figure)."""
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        try:
            return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
        except AttributeError:  # Python before 3.11
            pass
    return int(connection.features.max_query_params or 65_535)


_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE: no transaction begun on the connection yet


def prepare_insert(obj: models.Model) -> None:
    """Give `obj` the values save() would compute on insert (auto_now and auto_now_add timestamps …),
    so that it can be snapshotted now and written as it stands later."""
    for field in obj._meta.concrete_fields:
        field.pre_save(obj, add=True)  # sets what it computes


def values_insert(
    connection: BaseDatabaseWrapper, objs: Sequence[models.Model], *, returning: bool = False
) -> tuple[str, list[Any]]:
    """One multi-row `INSERT … VALUES` of `objs` (all of one model) as they stand: no pre_save, no
    signals. The id is written when the objects have one, else the database gives it (`returning`:
    and returns it).

    Not bulk_create: on PostgreSQL it sends each column as an array (INSERT … SELECT FROM UNNEST), and
    quoting JSON values into array literals costs more than the whole statement."""
    meta = objs[0]._meta
    with_pk = objs[0].pk is not None
    fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(column_name(f)) for f in fields)}) "
        f"VALUES {', '.join([row] * len(objs))}"
    )
    if returning:
        sql += f" RETURNING {quote(column_name(meta.pk))}"
    params = [f.get_db_prep_save(getattr(o, f.attname), connection) for o in objs for f in fields]
    return sql, params


def recordset_insert(
    connection: BaseDatabaseWrapper, objs: Sequence[models.Model], *, returning: bool = False
) -> tuple[str, list[str]]:
    """values_insert for PostgreSQL with the rows as ONE parameter: a JSON array read back into the
    table's row type (`INSERT … SELECT … FROM jsonb_populate_recordset(NULL::table, %s)`).

    The statement's text is the same whatever the number of rows, and short: psycopg splits a
    statement's placeholders in Python, and caches the result only for statements under 4 kB with at
    most 50 parameters — a multi-row VALUES of a dozen rows re-splits its 150 placeholders on every
    call. Values go as the field prepares them (`get_prep_value`), timestamps in ISO 8601 with their
    microseconds."""
    sql, fields = _recordset_statement(type(objs[0]), objs[0].pk is not None, returning)
    rows = []
    for obj in objs:
        row: dict[str, Any] = {}
        for f in fields:
            value = f.get_prep_value(getattr(obj, f.attname))
            encoder = getattr(f, "encoder", None)
            if value is not None and encoder is not None:  # a JSONField's own encoder
                value = json.loads(json.dumps(value, cls=encoder))
            row[column_name(f)] = value
        rows.append(row)
    return sql, [json.dumps(rows, default=_json_value, ensure_ascii=False)]


@functools.cache
def _recordset_statement(
    model: type[models.Model], with_pk: bool, returning: bool
) -> tuple[str, list[Field[Any, Any]]]:
    meta = model._meta
    fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]

    def quote(name: str) -> str:  # as PostgreSQL quotes an identifier
        return '"' + name.replace('"', '""') + '"'

    columns = ", ".join(quote(column_name(f)) for f in fields)
    table = quote(meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) SELECT {columns} FROM jsonb_populate_recordset(NULL::{table}, %s)"
    if returning:
        sql += f" RETURNING {quote(column_name(meta.pk))}"
    return sql, fields


def column_name(field: Field[Any, Any]) -> str:
    """A concrete field's column (typed optional: fields without a column of their own have None)."""
    column = field.column
    assert column is not None
    return column


def _json_value(value: object) -> str:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} into a JSON row")


def instance(model: type[_M], using: str, row: Sequence[Any], start: int = 0) -> _M:
    """A `model` instance from `row[start:]` laid out as `columns(model)`."""
    names = [f.attname for f in model._meta.concrete_fields]
    return model.from_db(using, names, row[start : start + len(names)])


def instance_with(
    model: type[_M], attr: str, related: type[models.Model], using: str, row: Sequence[Any]
) -> _M:
    """A `model` instance with its `related` row set on `attr`, as select_related gives them, from a row
    laid out as columns(model) + columns(related, "<attr>__")."""
    obj = instance(model, using, row)
    setattr(obj, attr, instance(related, using, row, len(model._meta.concrete_fields)))
    return obj


def columns(model: type[models.Model], prefix: str = "") -> list[str]:
    """The names that select every concrete field of `model` (through `prefix`, e.g. "user__")."""
    return [prefix + f.attname for f in model._meta.concrete_fields]


class CompiledQuery:
    """A query the ORM builds and compiles once per database (with stand-in values for what varies),
    then runs with the real values in their places — on PostgreSQL as a prepared statement, planned
    once per connection.

    `build(stand_ins)` returns the queryset (with `values_list`); every stand-in must be a value that
    cannot otherwise occur in the query. Building and compiling a query costs a few hundred
    microseconds of Python (several milliseconds with a dozen subqueries); planning one with many
    subqueries costs PostgreSQL more than running it. `BIMODAL_PREPARED_STATEMENTS = False` keeps the
    compiled SQL but does not prepare it (for a connection pooler that drops prepared statements,
    such as PgBouncer before 1.21 in transaction mode)."""

    def __init__(
        self,
        build: Callable[[dict[str, Any]], QuerySet[Any, Any]],
        stand_ins: dict[str, Any],
        *,
        using: str = "default",
    ) -> None:
        self.build, self.stand_ins, self.using = build, stand_ins, using
        self._template: _Template | None = None

    def _compiled(self, connection: BaseDatabaseWrapper) -> _Template:
        if self._template is None:
            queryset = self.build(self.stand_ins)
            compiler = queryset.query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            # What turns each column's database value into its Python value (as results_iter does).
            converters = list(
                compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]]).items()
            )
            adapted = {name: _adapt(connection, value) for name, value in self.stand_ins.items()}
            slots = [(i, name) for i, param in enumerate(params) for name, v in adapted.items() if param == v]
            missing = set(self.stand_ins) - {name for _, name in slots}
            if missing:
                raise ValueError(f"stand-ins not found in the compiled query: {sorted(missing)}")
            self._template = (sql, list(params), slots, converters)
        return self._template

    def rows(self, **values: Any) -> list[list[Any]]:
        """Run the query with `values` (one per stand-in) and return its rows, converted as the ORM
        would convert them."""
        connection = connections[self.using]
        sql, params, slots, converters = self._compiled(connection)
        params = list(params)
        for i, name in slots:
            params[i] = _adapt(connection, values[name])
        with prepared_cursor(connection) as cursor:
            cursor.execute(sql, params)
            rows = [list(row) for row in cursor.fetchall()]
        for row in rows:
            for pos, (functions, expression) in converters:
                value = row[pos]
                for convert in functions:
                    value = convert(value, expression, connection)
                row[pos] = value
        return rows


def _adapt(connection: BaseDatabaseWrapper, value: Any) -> Any:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


def prepared_cursor(connection: BaseDatabaseWrapper) -> AbstractContextManager[CursorWrapper]:
    """A cursor whose statements are prepared (PostgreSQL), or a plain one."""
    if connection.vendor != "postgresql" or not getattr(settings, "BIMODAL_PREPARED_STATEMENTS", True):
        return connection.cursor()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns automatic preparation off; leave it off (the huge threshold) but allow the
        # explicit preparation above. Django's own cursors bind on the client and never prepare.
        raw.prepare_threshold = 2**31 - 1
    cursor = _prepared_cursor_class()(raw)
    if connection.queries_logged:  # logged like any query (tests count them)
        return _LoggedCursor(cursor, connection)
    return connection.make_cursor(cursor)


class _LoggedCursor(CursorDebugWrapper):
    """Logs the statement as sent: psycopg keeps no text of a prepared one for Django to log."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


@functools.cache
def _prepared_cursor_class() -> type[Any]:
    from django.db.backends.postgresql.base import ServerBindingCursor  # needs psycopg

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            # The stubs leave out ServerBindingCursor's psycopg Cursor base, which defines execute().
            return super().execute(query, params, prepare=True)  # type: ignore[misc]

    return PreparedCursor
