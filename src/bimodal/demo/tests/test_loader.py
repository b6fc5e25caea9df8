"""The demo organisation: contents, idempotency, audit trail and what each demo user can do."""

from collections import defaultdict

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import RequestFactory

from bimodal.core import audit
from bimodal.core.models import AuditEntry, OrgUnit, Team, User
from bimodal.core.roles import Role
from bimodal.demo import data
from bimodal.demo.loader import load_demo
from bimodal.portfolio.choices import Lifecycle
from bimodal.portfolio.models import BusinessCapability, RegulatoryTag, Service, ServiceDependency
from bimodal.suppliers.models import Supplier

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    models = [User, OrgUnit, Team, Supplier, Service, ServiceDependency, BusinessCapability, RegulatoryTag]
    return {m.__name__: m.objects.count() for m in models} | {"audit": AuditEntry.objects.count()}


def test_demo_has_a_realistic_portfolio(demo):
    assert Service.objects.count() >= 40
    per_mode = {key: Service.objects.filter(mode__key=key).count() for key in ("mode-1", "mode-2")}
    assert per_mode["mode-1"] >= 15 and per_mode["mode-2"] >= 10
    assert ServiceDependency.objects.count() >= 60
    assert OrgUnit.objects.count() >= 6 and Team.objects.count() >= 12 and Supplier.objects.count() >= 5
    assert set(OrgUnit.objects.values_list("governance_model", flat=True)) == {
        "centralised",
        "federated",
        "agile",
    }
    assert set(Service.objects.values_list("lifecycle", flat=True)) >= {
        Lifecycle.PROPOSED,
        Lifecycle.IN_DEVELOPMENT,
        Lifecycle.LIVE,
        Lifecycle.SUNSETTING,
    }
    core = Service.objects.get(slug="core-banking")
    assert (core.mode.key, core.criticality, core.hosting) == ("mode-1", 0, "mainframe")
    assert {"EU DORA", "Basel III"} <= {t.name for t in core.regulatory_tags.all()}
    assert Service.objects.get(slug="mobile-banking-app").mode.key == "mode-2"
    assert Service.objects.filter(supplier__slug=data.MSP).count() >= 5


def test_every_role_has_a_demo_user_who_can_sign_in(demo):
    for role in Role:
        assert User.objects.filter(groups__name=role.value).exists(), role
    for username, _label, _hint in data.DEMO_LOGINS:
        assert authenticate(
            RequestFactory().post("/login/"), username=username, password=settings.BIMODAL_DEMO_PASSWORD
        ), username
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert {u.username for u in User.objects.exclude(job_title="")} >= {u[0] for u in data.DEMO_LOGINS}


def test_demo_users_see_and_change_what_their_role_allows(demo):
    owen, pat, sunil, rita = (User.objects.get(username=n) for n in ("owen", "pat", "sunil", "rita"))
    assert Team.objects.get(slug="core-banking-platform").lead == owen
    assert Service.objects.restrict(owen, "change").filter(slug="core-banking").exists()
    assert Service.objects.restrict(pat, "change").filter(slug="mobile-banking-app").exists()
    assert not Service.objects.restrict(pat, "change").filter(slug="core-banking").exists()
    visible_to_sunil = Service.objects.restrict(sunil, "view")
    assert visible_to_sunil.exists()
    assert set(visible_to_sunil.values_list("supplier__slug", flat=True)) == {data.MSP}
    assert sunil.teams.filter(supplier__slug=data.MSP).exists()
    assert set(Service.objects.restrict(rita, "view").values_list("lifecycle", flat=True)) == {Lifecycle.LIVE}


def test_no_dependency_cycles_of_the_same_kind(demo):
    graphs: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for source, target, kind in ServiceDependency.objects.values_list("source_id", "target_id", "kind"):
        graphs[kind][source].add(target)

    def has_cycle(graph: dict[int, set[int]]) -> bool:
        state: dict[int, int] = {}  # 1 = on the current path, 2 = done

        def visit(node: int) -> bool:
            state[node] = 1
            for nxt in graph.get(node, ()):
                if state.get(nxt) == 1 or (nxt not in state and visit(nxt)):
                    return True
            state[node] = 2
            return False

        return any(node not in state and visit(node) for node in list(graph))

    assert set(graphs) == {"runtime", "data", "authentication", "infrastructure"}
    for kind, graph in graphs.items():
        assert not has_cycle(graph), kind


def test_the_load_is_audited_and_the_chain_verifies(demo):
    admin = User.objects.get(username="admin")
    assert AuditEntry.objects.filter(verb="service_create", actor=admin).count() == Service.objects.count()
    assert AuditEntry.objects.filter(verb="user_create").count() == len(data.USERS)
    assert not any("password" in (e.after or {}) for e in AuditEntry.objects.filter(verb="user_create"))
    checked, problems = audit.verify()
    assert checked == AuditEntry.objects.count() and problems == []


def test_loading_twice_changes_nothing(demo):
    before = _counts()
    result = load_demo()
    assert result.total == 0
    assert _counts() == before


def test_the_data_is_consistent():
    """Every reference in the data points at an entry that exists (a typo would fail the load)."""
    teams = {t["slug"] for t in data.TEAMS}
    services = {s["slug"] for s in data.SERVICES}
    users = {u["username"] for u in data.USERS}
    assert len(services) == len(data.SERVICES) and len({s["name"] for s in data.SERVICES}) == len(services)
    assert {s["owner_team"] for s in data.SERVICES} <= teams
    assert {s["capability"] for s in data.SERVICES} <= set(data.CAPABILITIES)
    assert {t for s in data.SERVICES for t in s["regulatory_tags"]} <= set(data.REGULATORY_TAGS)
    assert {u for u, _, _ in data.DEMO_LOGINS} == users
    assert {src for src, _, _, _ in data.DEPENDENCIES} | {
        dst for _, dst, _, _ in data.DEPENDENCIES
    } <= services
    edges = [(src, dst, kind) for src, dst, kind, _ in data.DEPENDENCIES]
    assert len(edges) == len(set(edges))
