"""Supplier reads: contracts in force on a day, the contract covering a service, which services a
supplier's agents see, and the scorecard's periods (DST and year-end cases on a frozen clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bimodal.core.tests.factories import SupplierFactory
from bimodal.portfolio.models import Service
from bimodal.portfolio.tests.factories import ServiceFactory
from bimodal.suppliers import scorecards, selectors
from bimodal.suppliers.models import supplier_services_q
from bimodal.suppliers.tests.factories import ContractFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def test_contracts_in_force_on_a_day():
    alpha = SupplierFactory(slug="alpha")
    active = ContractFactory(supplier=alpha, status="active")  # 2026-01-01 … 2026-12-31
    ContractFactory(supplier=alpha, status="draft")
    assert list(selectors.current_contracts(supplier_id=alpha.pk, on=date(2026, 1, 1))) == [active]
    assert list(selectors.current_contracts(supplier_id=alpha.pk, on=date(2026, 12, 31))) == [active]
    assert not selectors.current_contracts(supplier_id=alpha.pk, on=date(2027, 1, 1)).exists()
    # a moment is taken on the organisation's calendar: 00:30 in London on 1 January 2027 is past the term
    late = datetime(2027, 1, 1, 0, 30, tzinfo=LONDON)
    assert not selectors.current_contracts(supplier_id=alpha.pk, on=late).exists()


def test_the_newest_current_contract_covers_a_service():
    alpha = SupplierFactory(slug="alpha")
    service = ServiceFactory(slug="core-banking")
    older = ContractFactory(supplier=alpha, status="active", start_date=date(2025, 1, 1))
    newer = ContractFactory(supplier=alpha, status="active", start_date=date(2026, 2, 1))
    older.services.add(service)
    newer.services.add(service)
    ContractFactory(supplier=alpha, status="active", start_date=date(2026, 3, 1))  # covers nothing

    class Ticket:  # the two attributes the selector reads
        service_id = service.pk
        catalogue_item_id = None

    found = selectors.covering_contract(supplier_id=alpha.pk, ticket=Ticket(), on=date(2026, 6, 1))  # type: ignore[arg-type]
    assert found == newer
    assert selectors.covering_contract(supplier_id=alpha.pk, ticket=Ticket(), on=date(2024, 6, 1)) is None  # type: ignore[arg-type]


def test_agents_see_contracted_services_or_without_contracts_their_named_ones():
    alpha, beta = SupplierFactory(slug="alpha"), SupplierFactory(slug="beta")
    named_alpha = ServiceFactory(slug="named-alpha", supplier=alpha)
    named_beta = ServiceFactory(slug="named-beta", supplier=beta)
    contracted = ServiceFactory(slug="contracted")
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=LONDON), tick=False):
        # no contract yet: the services that name the supplier
        assert set(Service.objects.filter(supplier_services_q(alpha.pk))) == {named_alpha}
        contract = ContractFactory(supplier=alpha, status="active")
        contract.services.add(contracted)
        # from its first contract on, only what current contracts cover
        assert set(Service.objects.filter(supplier_services_q(alpha.pk))) == {contracted}
        assert set(Service.objects.filter(supplier_services_q(beta.pk))) == {named_beta}
    with time_machine.travel(datetime(2027, 1, 2, 12, tzinfo=LONDON), tick=False):
        assert not Service.objects.filter(supplier_services_q(alpha.pk)).exists()  # the term has ended


@pytest.mark.parametrize(
    ("today", "period"),
    [
        (date(2026, 3, 15), (date(2026, 2, 1), date(2026, 2, 28))),
        (date(2028, 3, 1), (date(2028, 2, 1), date(2028, 2, 29))),  # leap year
        (date(2027, 1, 1), (date(2026, 12, 1), date(2026, 12, 31))),  # year end
    ],
)
def test_the_default_period_is_the_last_full_month(today, period):
    assert scorecards.default_period(today) == period


def test_period_bounds_are_whole_local_days_across_a_clock_change():
    # British Summer Time starts on 29 March 2026: that day has 23 hours
    start, end = scorecards.period_bounds(date(2026, 3, 29), date(2026, 3, 29))
    assert (start.utcoffset(), end.utcoffset()) == (timedelta(0), timedelta(hours=1))
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)
    start, end = scorecards.period_bounds(date(2026, 3, 1), date(2026, 3, 31))
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(days=31) - timedelta(hours=1)
