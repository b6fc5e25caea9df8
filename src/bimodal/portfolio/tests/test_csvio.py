"""CSV import and export of the service catalogue: all rows or none, errors by line and column."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from bimodal.core.choices import AuditAction
from bimodal.core.models import AuditEntry, User
from bimodal.core.tests.factories import SupplierFactory, TeamFactory
from bimodal.portfolio.csvio import COLUMNS, export_services, import_services
from bimodal.portfolio.models import BusinessCapability, RegulatoryTag, Service, ServiceDependency
from bimodal.portfolio.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user):
    TeamFactory(slug="payments", name="Payments")
    TeamFactory(slug="mobile", name="Mobile")
    SupplierFactory(slug="acme", name="Acme Ltd")
    make_user(username="owner")
    return make_user("governance_lead", username="gov")


HEADER = "slug,name,mode,owner_team,lifecycle,criticality,regulatory_tags,capability,depends_on"
GOOD = f"""{HEADER},availability_target,documentation_url,supplier,service_owner,hosting,support_coverage,data_classification,description
ledger,Core Ledger,mode-1,payments,live,0,PCI DSS;SOX,Payments,,99.95,https://docs.example.com/ledger,acme,owner,mainframe,24x7,restricted,"The ledger, of record"
cards,Card Processing,Mode 1,Payments,Live,1,PCI DSS,payments,ledger,,,,,,,,
app,Mobile App,Agility,mobile,In development,2,,Digital,ledger; cards,,,,,Public cloud,Business hours,Confidential,
"""


def _state() -> tuple[int, int, int, int, int]:
    return (
        Service.objects.count(),
        ServiceDependency.objects.count(),
        RegulatoryTag.objects.count(),
        BusinessCapability.objects.count(),
        AuditEntry.objects.count(),
    )


def _errors(result) -> list[tuple[int, str]]:
    return [(e.line, e.column) for e in result.errors]


def test_a_good_file_creates_services_dependencies_tags_and_capabilities(world):
    entries = AuditEntry.objects.count()
    done = []
    result = import_services(actor=world, text=GOOD, progress=done.append)
    assert result.ok, [str(e) for e in result.errors]
    assert result.created == ["ledger", "cards", "app"]
    assert (result.updated, result.unchanged, result.dependencies_added) == ([], [], 3)
    assert done == [1, 2, 3]

    ledger = Service.objects.get(slug="ledger")
    assert ledger.name == "Core Ledger"
    assert ledger.mode.key == "mode-1"
    assert ledger.owner_team.slug == "payments"
    assert ledger.criticality == 0
    assert ledger.availability_target == Decimal("99.950")
    assert ledger.documentation_url == "https://docs.example.com/ledger"
    assert ledger.supplier.slug == "acme"
    assert ledger.service_owner.username == "owner"
    assert (ledger.hosting, ledger.support_coverage, ledger.data_classification) == (
        "mainframe",
        "24x7",
        "restricted",
    )
    assert ledger.description == "The ledger, of record"
    assert sorted(t.name for t in ledger.regulatory_tags.all()) == ["PCI DSS", "SOX"]
    assert ledger.capability.name == "Payments"

    # Choices by label, modes by short name or name, teams by name.
    app = Service.objects.get(slug="app")
    assert (app.mode.key, app.owner_team.slug, app.lifecycle) == ("mode-2", "mobile", "in_development")
    assert (app.hosting, app.support_coverage, app.data_classification) == (
        "public_cloud",
        "business_hours",
        "confidential",
    )
    cards = Service.objects.get(slug="cards")
    assert (cards.mode.key, cards.owner_team.slug, cards.capability) == (
        "mode-1",
        "payments",
        ledger.capability,
    )

    edges = {(e.source.slug, e.target.slug, e.kind) for e in ServiceDependency.objects.all()}
    assert edges == {
        ("cards", "ledger", "runtime"),
        ("app", "ledger", "runtime"),
        ("app", "cards", "runtime"),
    }
    assert sorted(RegulatoryTag.objects.values_list("name", flat=True)) == ["PCI DSS", "SOX"]
    assert sorted(BusinessCapability.objects.values_list("name", flat=True)) == ["Digital", "Payments"]
    # 3 services + 3 edges + 2 tags + 2 capabilities, each audited once.
    assert AuditEntry.objects.count() == entries + 10
    assert AuditEntry.objects.filter(verb="service_create", actor=world).count() == 3


def test_reimporting_the_export_changes_nothing(world):
    assert import_services(actor=world, text=GOOD).ok
    exported = export_services(Service.objects.all())
    assert exported.splitlines()[0] == ",".join(COLUMNS)
    before = _state()

    result = import_services(actor=world, text=exported)
    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.updated, result.dependencies_added) == ([], [], 0)
    assert sorted(result.unchanged) == ["app", "cards", "ledger"]
    assert _state() == before
    assert export_services(Service.objects.all()) == exported


def test_reimport_with_a_change_updates_only_that_service(world):
    assert import_services(actor=world, text=GOOD).ok
    exported = export_services(Service.objects.all())
    edited = exported.replace("Card Processing", "Card Processing v2").replace("99.950", "99.95")
    entries = AuditEntry.objects.count()
    result = import_services(actor=world, text=edited)
    assert result.ok
    assert (result.updated, sorted(result.unchanged)) == (["cards"], ["app", "ledger"])
    assert Service.objects.get(slug="cards").name == "Card Processing v2"
    assert AuditEntry.objects.count() == entries + 1


def test_import_can_reclassify_with_the_permission(world):
    assert import_services(actor=world, text=GOOD).ok
    text = export_services(Service.objects.filter(slug="ledger")).replace(",mode-1,", ",mode-2,")
    result = import_services(actor=world, text=text)
    assert result.ok
    assert result.updated == ["ledger"]
    assert Service.objects.get(slug="ledger").mode.key == "mode-2"
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.verb, entry.reason) == (
        AuditAction.TRANSITION,
        "service_change_mode",
        "CSV import",
    )


GOOD_ROWS = ["ok1,Okay One,mode-1,payments,live,1,,,", "ok2,Okay Two,mode-2,mobile,live,2,,,ok1"]


@pytest.mark.parametrize(
    "bad_row, column",
    [
        ("bad,Bad,mode-9,payments,live,1,,,", "mode"),
        ("bad,Bad,mode-1,nobody-team,live,1,,,", "owner_team"),
        ("bad,Bad,mode-1,payments,live,9,,,", "criticality"),
        ("bad,Bad,mode-1,payments,live,high,,,", "criticality"),
        ("bad,Bad,mode-1,payments,zombie,1,,,", "lifecycle"),
        ("bad,,mode-1,payments,live,1,,,", "name"),
        ("bad,Bad,,payments,live,1,,,", "mode"),
        ("ok1,Another,mode-1,payments,live,1,,,", "slug"),  # duplicate slug in the file
        ("bad,Bad,mode-1,payments,live,1,,,no-such-service", "depends_on"),
        ("bad,Bad,mode-1,payments,live,1,,,bad", "depends_on"),  # depends on itself
        ("bad,Bad Slug,mode-1,payments,live,1,,,", None),  # fine: control row, see below
    ],
)
def test_one_bad_row_means_nothing_is_written(world, bad_row, column):
    text = "\n".join([HEADER, GOOD_ROWS[0], bad_row, GOOD_ROWS[1]]) + "\n"
    before = _state()
    result = import_services(actor=world, text=text)
    if column is None:
        assert result.ok and result.created == ["ok1", "bad", "ok2"]
        return
    assert _errors(result) == [(3, column)], [str(e) for e in result.errors]
    assert str(result.errors[0]).startswith(f"line 3, column {column}: ")
    assert (result.created, result.updated, result.dependencies_added) == ([], [], 0)
    assert _state() == before


@pytest.mark.parametrize(
    "extra_header, cell, column",
    [
        ("documentation_url", "not a url", "documentation_url"),
        ("availability_target", "101", "availability_target"),
        ("availability_target", "abc", "availability_target"),
        ("supplier", "nobody-ltd", "supplier"),
        ("service_owner", "ghost", "service_owner"),
        ("hosting", "the moon", "hosting"),
    ],
)
def test_bad_cells_in_optional_columns(world, extra_header, cell, column):
    text = "\n".join(
        [
            f"{HEADER},{extra_header}",
            GOOD_ROWS[0] + ",",
            GOOD_ROWS[1] + ",",
            f"bad,Bad,mode-1,payments,live,1,,,,{cell}",
        ]
    )
    before = _state()
    result = import_services(actor=world, text=text)
    assert _errors(result) == [(4, column)], [str(e) for e in result.errors]
    assert _state() == before


def test_a_cycle_through_depends_on_is_an_error_and_writes_nothing(world):
    text = "\n".join(
        [
            HEADER,
            "a,A,mode-1,payments,live,1,,,b",
            "c,C,mode-1,payments,live,1,,,",
            "b,B,mode-1,payments,live,1,,,c;a",
        ]
    )
    before = _state()
    result = import_services(actor=world, text=text)
    assert _errors(result) == [(4, "depends_on")], [str(e) for e in result.errors]
    assert "cycle" in result.errors[0].message
    assert (result.created, result.dependencies_added) == ([], 0)
    assert _state() == before


def test_a_cycle_with_an_existing_edge_is_an_error(world):
    assert import_services(actor=world, text=GOOD).ok  # cards depends on ledger
    before = _state()
    text = "\n".join([HEADER, "ledger,Core Ledger,mode-1,payments,live,0,,,cards"])
    result = import_services(actor=world, text=text)
    assert _errors(result) == [(2, "depends_on")]
    assert _state() == before


def test_errors_on_several_rows_are_all_reported(world):
    text = "\n".join(
        [HEADER, "x,X,mode-9,payments,live,1,,,", "", "y,Y,mode-1,ghosts,live,7,,,", GOOD_ROWS[0]]
    )
    result = import_services(actor=world, text=text)
    # The blank line still counts: the file's own line numbers are reported.
    assert _errors(result) == [(2, "mode"), (4, "owner_team"), (4, "criticality")]
    assert not Service.objects.exists()


def test_an_unknown_header_column_is_a_line_1_error(world):
    text = "slug,name,mode,owner_team,colour\nx,X,mode-1,payments,red\n"
    result = import_services(actor=world, text=text)
    assert _errors(result) == [(1, "colour")]
    assert "unknown column" in result.errors[0].message
    assert not Service.objects.exists()


def test_a_missing_required_column_is_a_line_1_error(world):
    result = import_services(actor=world, text="slug,name,mode\nx,X,mode-1\n")
    assert _errors(result) == [(1, "owner_team")]
    assert "required column missing" in result.errors[0].message
    assert not Service.objects.exists()


@pytest.mark.parametrize("text", ["", HEADER + "\n", HEADER + "\n,,,,,,,,\n"])
def test_an_empty_file_is_an_error(world, text):
    result = import_services(actor=world, text=text)
    assert _errors(result) == [(1, "")]


def test_a_row_with_too_many_cells_is_an_error(world):
    result = import_services(actor=world, text=f"{HEADER}\n{GOOD_ROWS[0]},surplus\n")
    assert _errors(result) == [(2, "")]


def test_a_byte_order_mark_is_ignored(world):
    assert import_services(actor=world, text="\ufeff" + HEADER + "\n" + GOOD_ROWS[0]).created == ["ok1"]


def test_slug_is_derived_from_the_name_or_matched_by_name(world):
    text = "name,mode,owner_team\nTreasury Desk,mode-1,payments\n"
    assert import_services(actor=world, text=text).created == ["treasury-desk"]
    text = "name,mode,owner_team,criticality\nTreasury Desk,mode-1,payments,0\n"
    result = import_services(actor=world, text=text)
    assert result.updated == ["treasury-desk"]
    assert Service.objects.get().criticality == 0


def test_import_needs_the_import_permission(make_user):
    TeamFactory(slug="payments")
    for user in (make_user("service_owner"), make_user("cab_member"), make_user()):
        with pytest.raises(PermissionDenied):
            import_services(actor=user, text=HEADER + "\n" + GOOD_ROWS[0])
    assert not Service.objects.exists()


@pytest.fixture
def importer(make_user):
    """A product-team member of payments who may import but not reclassify."""
    team = TeamFactory(slug="payments", name="Payments")
    user = make_user("product_team_member", teams=[team], username="importer")
    user.user_permissions.add(
        Permission.objects.get(codename="import_services"), Permission.objects.get(codename="add_service")
    )
    return User.objects.get(pk=user.pk)


def test_a_non_reclassifier_cannot_change_the_mode_of_an_existing_service(importer):
    ServiceFactory(slug="ledger", name="Core Ledger", owner_team=importer.teams.get())
    before = _state()
    text = "\n".join([HEADER, "ledger,Core Ledger,mode-2,payments,live,2,,,"])
    result = import_services(actor=importer, text=text)
    assert _errors(result) == [(2, "mode")]
    assert "reclassify" in result.errors[0].message
    assert Service.objects.get(slug="ledger").mode.key == "mode-1"
    assert _state() == before
    # The same row without the mode change goes through.
    result = import_services(actor=importer, text=text.replace("mode-2", "mode-1").replace(",2,", ",1,"))
    assert result.ok and result.updated == ["ledger"]


def test_an_importer_cannot_change_another_teams_service(importer):
    ServiceFactory(slug="app", name="App", owner_team=TeamFactory(slug="mobile"))
    result = import_services(actor=importer, text="\n".join([HEADER, "app,App,mode-1,mobile,live,1,,,"]))
    assert _errors(result) == [(2, "slug")]
    assert Service.objects.get(slug="app").criticality == 2


def test_an_importer_cannot_create_for_another_team(importer):
    TeamFactory(slug="mobile")
    result = import_services(actor=importer, text="\n".join([HEADER, "app,App,mode-1,mobile,live,1,,,"]))
    assert _errors(result) == [(2, "")]
    assert result.created == []
    assert not Service.objects.exists()


def test_dry_run_reports_but_writes_nothing(world):
    before = _state()
    result = import_services(actor=world, text=GOOD, dry_run=True)
    assert result.ok
    assert result.created == ["ledger", "cards", "app"]
    assert result.dependencies_added == 3
    assert _state() == before
    # A dry run finds the errors a real run would, including those found while writing.
    cycle = "\n".join([HEADER, "a,A,mode-1,payments,live,1,,,b", "b,B,mode-1,payments,live,1,,,a"])
    result = import_services(actor=world, text=cycle, dry_run=True)
    assert _errors(result) == [(3, "depends_on")]
    assert _state() == before


def test_dry_run_of_an_update_reports_it(world):
    assert import_services(actor=world, text=GOOD).ok
    text = export_services(Service.objects.filter(slug="cards")).replace("Card Processing", "Cards")
    before = _state()
    result = import_services(actor=world, text=text, dry_run=True)
    assert result.updated == ["cards"]
    assert Service.objects.get(slug="cards").name == "Card Processing"
    assert _state() == before


def test_export_lists_only_runtime_dependencies_sorted(world):
    assert import_services(actor=world, text=GOOD).ok
    app = Service.objects.get(slug="app")
    ledger = Service.objects.get(slug="ledger")
    ServiceDependency.objects.create(source=ledger, target=app, kind="data")
    rows = export_services(Service.objects.order_by("slug")).splitlines()
    assert rows[1].startswith("app,Mobile App,,mode-2,mobile,,Digital,in_development,2,")
    assert rows[1].endswith(",cards;ledger")
    assert rows[3].startswith("ledger,")
    assert rows[3].endswith(",acme,PCI DSS;SOX,99.950,https://docs.example.com/ledger,")  # data edge left out
