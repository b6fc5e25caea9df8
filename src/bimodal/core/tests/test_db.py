"""The hot-path database helpers (core.db) and rows written with the audit batch (audit.add_rows)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from bimodal.changes.models import Change, GateRequest
from bimodal.core import audit, db
from bimodal.core.choices import AuditAction
from bimodal.core.models import AuditEntry, OrgUnit, User
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio.models import Service
from bimodal.portfolio.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only (runs in the PostgreSQL test run)"
)


def _unit(slug: str, pk: int | None = None) -> OrgUnit:
    unit = OrgUnit(pk=pk, name=slug.title(), slug=slug)
    db.prepare_insert(unit)
    return unit


# --- allocate_ids ---------------------------------------------------------------------------------------


def test_allocate_ids_takes_one_new_id_per_model_or_none_off_postgresql():
    first = db.allocate_ids(Change, GateRequest, Change)
    if connection.vendor != "postgresql":
        assert first is None
        return
    assert len(first) == 3 and first[0] < first[2]
    second = db.allocate_ids(Change)
    assert second[0] > first[2]  # a sequence never gives an id twice


# --- CompiledQuery --------------------------------------------------------------------------------------


# Stand-ins must be values the field accepts: Django drops an out-of-range comparison before SQL.
_by_slug = db.CompiledQuery(
    lambda stand: Service.objects.filter(slug=stand["slug"], criticality__lte=stand["tier"]).values_list(
        *db.columns(Service)
    ),
    {"slug": "\x1fslug-stand-in\x1f", "tier": 32_101},
)


def test_compiled_query_gives_what_the_orm_gives():
    service = ServiceFactory(slug="core-banking", criticality=1, availability_target=Decimal("99.95"))
    ServiceFactory(slug="other", criticality=3)
    rows = _by_slug.rows(slug="core-banking", tier=2)
    assert len(rows) == 1
    loaded = db.instance(Service, "default", rows[0])
    expected = Service.objects.get(pk=service.pk)
    for field in Service._meta.concrete_fields:  # converted as the ORM converts (decimals, datetimes …)
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    assert _by_slug.rows(slug="core-banking", tier=0) == []  # the second value took its place too
    assert _by_slug.rows(slug="other", tier=3)[0][0] != service.pk


def test_compiled_query_refuses_a_stand_in_it_cannot_find():
    query = db.CompiledQuery(lambda stand: Service.objects.filter(slug="x").values_list("pk"), {"slug": "zz"})
    with pytest.raises(ValueError, match="stand-ins not found"):
        query.rows(slug="zz")


# --- recordset_insert (PostgreSQL) ----------------------------------------------------------------------


class RecordsetRoundTrip(HypothesisTestCase):
    """Whatever a change holds comes back unchanged after a recordset insert."""

    @classmethod
    def setUpTestData(cls):
        cls.requester = User.objects.create(username="requester")

    @postgresql_only
    @settings(max_examples=25, deadline=None)
    @given(
        title=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60),
        evidence=st.dictionaries(  # jsonb stores no NUL character at all (the API refuses it)
            st.text(st.characters(blacklist_characters="\x00"), max_size=8),
            st.one_of(
                st.none(),
                st.booleans(),
                st.integers(-(2**40), 2**40),
                st.text(st.characters(blacklist_characters="\x00"), max_size=10),
            ),
            max_size=4,
        ),
        micro=st.integers(0, 999_999),
        risk=st.integers(0, 100),
    )
    def test_round_trip(self, title, evidence, micro, risk):
        (pk,) = db.allocate_ids(Change)
        start = datetime(2026, 3, 1, 12, 30, 15, micro, tzinfo=UTC)
        change = Change(
            pk=pk,
            reference=f"CHG-{pk:06d}",
            title=title,
            evidence=evidence,
            planned_start=start,
            risk_score=risk,
            window_required=True,
            requester=self.requester,
        )
        db.prepare_insert(change)
        sql, params = db.recordset_insert(connection, [change])
        assert len(params) == 1  # one parameter, however many columns and rows
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        stored = Change.objects.get(pk=pk)
        for field in Change._meta.concrete_fields:
            assert getattr(stored, field.attname) == getattr(change, field.attname), field.name


# --- audit.add_rows ------------------------------------------------------------------------------------


def test_rows_outside_a_batch_are_inserted_at_once_with_their_ids():
    units = [_unit("north"), _unit("south")]
    with transaction.atomic():
        audit.add_rows(units)
        assert all(u.pk for u in units) and not units[0]._state.adding
        assert OrgUnit.objects.filter(slug__in=["north", "south"]).count() == 2


def test_rows_in_a_batch_are_written_with_the_entries_and_the_chain_holds():
    pk = (db.allocate_ids(OrgUnit) or [None])[0]
    unit = _unit("east", pk)
    with transaction.atomic(), audit.batch():
        audit.add_rows([unit])
        if connection.vendor == "postgresql":  # held for the batch's final statement
            assert audit.is_pending(unit)
            assert not OrgUnit.objects.filter(slug="east").exists()
        else:
            assert not audit.is_pending(unit) and unit.pk
        audit.record(
            actor=None,
            action=AuditAction.CREATE,
            obj=unit,
            after=audit.snapshot(unit, m2m={}),
            verb=AuditVerb.ORGUNIT_CREATE,
        )
        unit.name = "East (final)"  # what the row holds when the batch ends is written
    stored = OrgUnit.objects.get(slug="east")
    if connection.vendor == "postgresql":
        assert stored.name == "East (final)" and stored.pk == pk
    entry = AuditEntry.objects.get(object_id=str(stored.pk), content_type__model="orgunit")
    assert entry.pk is not None and entry.after["slug"] == "east"
    assert audit.verify()[1] == []


def test_a_clash_in_the_final_statement_writes_nothing():
    OrgUnit.objects.create(name="West", slug="west")
    before = AuditEntry.objects.count()
    pk = (db.allocate_ids(OrgUnit) or [None])[0]
    with pytest.raises(IntegrityError), transaction.atomic(), audit.batch():
        good = _unit("west-2", pk)
        audit.add_rows([good])
        audit.record(
            actor=None,
            action=AuditAction.CREATE,
            obj=good,
            after={"slug": "west-2"},
            verb=AuditVerb.ORGUNIT_CREATE,
        )
        audit.add_rows([_unit("west")])  # the slug is taken
    assert not OrgUnit.objects.filter(slug="west-2").exists()
    assert AuditEntry.objects.count() == before
    assert audit.verify()[1] == []
