"""The page formats (durations, dates, times, money, numbers) and the machine formats of the API and CSV."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.template import Context, Template
from django.urls import reverse

from bimodal.changes.models import Change
from bimodal.core.generic import csv_cell
from bimodal.core.models import AuditEntry
from bimodal.core.services import team_create
from bimodal.core.templatetags.bimodal_format import bm_date, bm_datetime, bm_money, bm_number, duration
from bimodal.core.tests.factories import OrgUnitFactory
from bimodal.suppliers.tests.factories import ContractFactory


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),
        (90, "2 min"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=3, minutes=30), "3.5 h"),
        (timedelta(days=40, hours=4, minutes=53), "40.2 d"),
        (7200.0, "2.0 h"),
    ],
)
def test_duration_reads_seconds_and_timedeltas(value, shown):
    assert duration(value) == shown


SUMMER = datetime(2026, 7, 6, 21, 4, tzinfo=UTC)  # 22:04 in London (BST)
WINTER = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)  # 23:30 in London (GMT)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (SUMMER, "6 Jul 2026, 22:04"),
        (WINTER, "6 Dec 2026, 23:30"),
        (date(2026, 12, 6), "6 Dec 2026"),
        (None, "—"),
    ],
)
def test_a_moment_is_shown_in_the_page_time_zone(value, shown, settings):
    settings.TIME_ZONE = "Europe/London"
    assert bm_datetime(value) == shown


def test_a_day_is_the_local_day(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    assert bm_date(WINTER) == "7 Dec 2026"  # 08:30 on the 7th in Tokyo
    assert bm_date(date(2026, 1, 2)) == "2 Jan 2026"
    assert bm_date("") == "—"


def test_plain_template_output_uses_the_same_formats():
    rendered = Template("{{ d }}|{{ d|date }}|{{ d|date:'SHORT_DATE_FORMAT' }}").render(
        Context({"d": date(2026, 12, 6)})
    )
    assert rendered == "6 Dec 2026|6 Dec 2026|6 Dec 2026"


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (Decimal("80000"), "GBP", "80,000.00 GBP"),
        (80000.005, "", "80,000.01"),
        ("-1234.5", "EUR", "-1,234.50 EUR"),
        (None, "GBP", "—"),
        ("n/a", "", "—"),
    ],
)
def test_money_has_separated_thousands_two_decimals_and_its_currency(value, currency, shown):
    assert bm_money(value, currency) == shown


def test_numbers_are_rounded_not_cut():
    assert bm_number(12345.67) == "12,346"
    assert bm_number(3.456, 1) == "3.5"
    assert bm_number(0) == "0"


def test_csv_cells_are_iso_dates_and_plain_decimals():
    assert csv_cell(SUMMER) == "2026-07-06T21:04:00+00:00"
    assert csv_cell(date(2026, 12, 6)) == "2026-12-06"
    assert csv_cell(Decimal("80000.00")) == "80000.00"
    assert csv_cell("x") == "x"


@time_machine.travel(SUMMER, tick=False)
def test_page_api_and_csv_each_write_a_contract_their_way(make_user, client_for, settings):
    settings.TIME_ZONE = "Europe/London"
    ContractFactory(reference="CT-FMT", value=Decimal("80000"), currency="GBP")
    client = client_for(make_user(is_superuser=True))

    page = client.get(reverse("suppliers:contract_list")).content.decode()
    assert "80,000.00 GBP" in page and "1 Jan 2026" in page
    assert 'data-testid="page-zone">Times in Europe/London<' in page

    rows = list(
        csv.DictReader(
            io.StringIO(client.get(reverse("suppliers:contract_list"), {"export": "csv"}).content.decode())
        )
    )
    row = next(r for r in rows if "CT-FMT" in r.values())
    assert "80000.00" in row.values() and "2026-01-01" in row.values()
    assert any(v.startswith("2026-07-06T21:04:00") for v in row.values())  # created: ISO 8601, UTC

    api = client.get("/api/contracts/").json()
    found = next(c for c in api["results"] if c["reference"] == "CT-FMT")
    assert found["value"] == "80000.00" and found["start_date"] == "2026-01-01"


@time_machine.travel(WINTER, tick=False)
def test_the_audit_csv_writes_iso_moments(make_user, client_for):
    admin = make_user(is_superuser=True)
    team_create(actor=admin, name="Format team", org_unit=OrgUnitFactory())
    export = client_for(admin).get(reverse("core:audit_list"), {"export": "csv"}).content.decode()
    rows = list(csv.reader(io.StringIO(export)))
    assert any("2026-12-06T23:30:00+00:00" in row for row in rows[1:]), rows[:3]


def test_history_names_verbs_and_statuses_in_words(db):

    ct = ContentType.objects.get_for_model(Change)
    created = AuditEntry(verb="change_create", action="create", content_type=ct, after={"status": "approved"})
    moved = AuditEntry(
        verb="change_implementing", action="update", content_type=ct,
        before={"status": "scheduled"}, after={"status": "implementing"},
    )  # fmt: skip
    assert created.summary == "Change created → Approved"
    assert moved.summary == "Change → Implementing"
    assert (
        AuditEntry(verb="api_token_revoke", action="update", content_type=ct).summary == "API token revoked"
    )


def test_changed_fields_are_shown_by_field_names_and_choice_labels(db):
    ct = ContentType.objects.get_for_model(Change)
    entry = AuditEntry(
        verb="change_update", action="update", content_type=ct,
        before={"status": "draft", "services": [1], "risk_score": 3},
        after={"status": "submitted", "services": [1, 2], "risk_score": 5},
    )  # fmt: skip
    assert entry.shown_changes == [
        ("Risk score", 3, 5),
        ("Services", [1], [1, 2]),
        ("Status", "Draft", "Submitted"),
    ]
