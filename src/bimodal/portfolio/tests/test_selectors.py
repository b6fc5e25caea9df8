"""Portfolio reads: restricted lists, the dependency graph and the roll-ups by mode."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from bimodal.core.tests.factories import OrgUnitFactory, SupplierFactory, TeamFactory
from bimodal.portfolio import selectors
from bimodal.portfolio.choices import DependencyKind
from bimodal.portfolio.models import Mode, Service, ServiceDependency
from bimodal.portfolio.tests.factories import DependencyFactory, ServiceFactory, mode


def _graph(edges: str, **kinds) -> dict[str, Service]:
    """Build services and edges from "b>a c>b": each pair says source depends on target."""
    team = TeamFactory()
    services: dict[str, Service] = {}
    for pair in edges.split():
        for slug in pair.split(">"):
            if slug not in services:
                services[slug] = ServiceFactory(slug=slug, name=slug.upper(), owner_team=team)
    for pair in edges.split():
        source, target = pair.split(">")
        DependencyFactory(source=services[source], target=services[target], kind=kinds.get(pair, "runtime"))
    return services


def _radius(service, **kwargs) -> dict[str, int]:
    return {s.slug: distance for s, distance in selectors.blast_radius(service, **kwargs)}


# --- blast radius on hand-built graphs -----------------------------------------------------------------


@pytest.mark.django_db
def test_blast_radius_hand_checked():
    # B and D depend on A; C depends on B and on D. A change to A reaches B and D directly, C in two hops.
    g = _graph("b>a d>a c>b c>d")
    assert _radius(g["a"]) == {"b": 1, "d": 1, "c": 2}
    assert _radius(g["b"]) == {"c": 1}
    assert _radius(g["d"]) == {"c": 1}
    assert _radius(g["c"]) == {}
    assert selectors.upstream_services(g["c"]) == {g["b"].pk: 1, g["d"].pk: 1, g["a"].pk: 2}
    assert selectors.upstream_services(g["a"]) == {}


@pytest.mark.django_db
def test_blast_radius_takes_the_shortest_distance_and_orders_rows():
    # e reaches a in one hop and via the chain e>d>c>b>a in four: distance is 1.
    g = _graph("b>a c>b d>c e>d e>a")
    g["d"].criticality = 0
    g["d"].save()
    rows = selectors.blast_radius(g["a"])
    assert [(s.slug, d) for s, d in rows] == [("b", 1), ("e", 1), ("c", 2), ("d", 3)]
    # Same distance: more critical first, then by name.
    g["e"].criticality = 0
    g["e"].save()
    assert [s.slug for s, _ in selectors.blast_radius(g["a"])] == ["e", "b", "c", "d"]


@pytest.mark.django_db
def test_blast_radius_follows_every_kind_and_survives_cycles_across_kinds():
    g = _graph("b>a a>b c>b", **{"a>b": "data"})
    assert _radius(g["a"]) == {"b": 1, "c": 2}
    assert _radius(g["b"]) == {"a": 1, "c": 1}


@pytest.mark.django_db
def test_blast_radius_is_restricted_for_a_user(make_user):
    g = _graph("b>a c>b")
    g["b"].lifecycle = "in_development"
    g["b"].save()
    requester = make_user("requester")
    # The walk goes through B (a real dependency) but the requester only sees live services.
    assert _radius(g["a"], user=requester) == {"c": 2}
    assert _radius(g["a"], user=make_user("cab_member")) == {"b": 1, "c": 2}


@pytest.mark.django_db
def test_would_create_cycle_hand_checked():
    g = _graph("a>b b>c a>c", **{"a>c": "data"})
    a, b, c = g["a"], g["b"], g["c"]
    assert selectors.would_create_cycle(source=c, target=a, kind="runtime")  # c > a > b > c
    assert selectors.would_create_cycle(source=b, target=a, kind="runtime")
    assert selectors.would_create_cycle(source=c, target=a, kind="data")  # c > a >(data) c
    assert not selectors.would_create_cycle(source=b, target=a, kind="data")
    assert not selectors.would_create_cycle(source=a, target=c, kind="runtime")
    assert not selectors.would_create_cycle(source=c, target=a, kind="authentication")
    assert selectors.would_create_cycle(source=a, target=a, kind="runtime")


# --- property: the walk agrees with a naive closure -------------------------------------------------------

KINDS = [DependencyKind.RUNTIME, DependencyKind.DATA]
MAX_NODES = 7


@st.composite
def dags(draw):
    """A random small DAG: nodes in a random order, each edge from a later node to an earlier one."""
    n = draw(st.integers(min_value=2, max_value=MAX_NODES))
    order = draw(st.permutations(range(n)))
    pairs = [(order[i], order[j]) for i in range(n) for j in range(i)]  # order[i] depends on order[j]
    edges = draw(st.sets(st.tuples(st.sampled_from(pairs), st.sampled_from(KINDS)), max_size=15))
    return n, sorted((s, t, k) for (s, t), k in edges)


def _distances(n: int, edges, start: int, kind=None) -> dict[int, int]:
    """Shortest path lengths from `start` over reversed edges (who depends on me), by Floyd–Warshall."""
    inf = float("inf")
    dist = [[0 if i == j else inf for j in range(n)] for i in range(n)]
    for s, t, k in edges:
        if kind is None or k == kind:
            dist[t][s] = 1  # t is affected-by-reverse: s depends on t
    for m in range(n):
        for i in range(n):
            for j in range(n):
                if dist[i][m] + dist[m][j] < dist[i][j]:
                    dist[i][j] = dist[i][m] + dist[m][j]
    return {j: int(dist[start][j]) for j in range(n) if j != start and dist[start][j] < inf}


def _reachable(n: int, edges, frm: int, to: int, kind) -> bool:
    """Whether `to` is reachable from `frm` along depends-on edges of `kind` (transitive closure)."""
    closure = {(s, t) for s, t, k in edges if k == kind}
    while True:
        extra = {(a, d) for a, b in closure for c, d in closure if b == c} - closure
        if not extra:
            break
        closure |= extra
    return (frm, to) in closure


class GraphPropertyTests(HypothesisTestCase):
    """Each example runs in its own transaction, so every DAG starts from an empty graph."""

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(dags())
    def test_walks_match_a_naive_closure(self, dag):
        n, edges = dag
        team = TeamFactory(org_unit=OrgUnitFactory())
        mode_1 = Mode.objects.get(key="mode-1")
        nodes = Service.objects.bulk_create(
            [Service(name=f"N{i}", slug=f"n{i}", mode=mode_1, owner_team=team) for i in range(n)]
        )
        ServiceDependency.objects.bulk_create(
            [ServiceDependency(source=nodes[s], target=nodes[t], kind=k) for s, t, k in edges]
        )
        index = {node.pk: i for i, node in enumerate(nodes)}

        for x in range(n):
            got = {index[s.pk]: d for s, d in selectors.blast_radius(nodes[x])}
            self.assertEqual(got, _distances(n, edges, x), f"blast radius of n{x}")
            upstream = {index[pk]: d for pk, d in selectors.upstream_services(nodes[x]).items()}
            self.assertEqual(
                upstream,
                {j: d for j in range(n) for i, d in _distances(n, edges, j).items() if i == x},
            )

        for source in range(n):
            for target in range(n):
                for kind in KINDS:
                    expected = source == target or _reachable(n, edges, target, source, kind)
                    got = selectors.would_create_cycle(source=nodes[source], target=nodes[target], kind=kind)
                    self.assertEqual(got, expected, f"n{source} → n{target} ({kind})")


# --- roll-ups -------------------------------------------------------------------------------------------


@pytest.fixture
def portfolio(make_user):
    """Eight services across the two seeded modes, one of them with a supplier."""
    team = TeamFactory()
    acme = SupplierFactory(slug="acme")
    m1, m2 = mode("mode-1"), mode("mode-2")
    # slug, mode, lifecycle, criticality, coverage
    rows = [
        ("ledger", m1, "live", 0, "24x7"),
        ("cards", m1, "live", 1, "24x7"),
        ("atm", m1, "sunsetting", 1, "business_hours"),
        ("mainframe", m1, "retired", 3, "business_hours"),
        ("app", m2, "live", 1, "24x7"),
        ("web", m2, "live", 2, "business_hours"),
        ("chatbot", m2, "proposed", 3, "best_effort"),
        ("ai", m2, "in_development", 2, "business_hours"),
    ]
    for slug, m, lifecycle, tier, coverage in rows:
        ServiceFactory(
            slug=slug,
            name=slug,
            mode=m,
            owner_team=team,
            lifecycle=lifecycle,
            criticality=tier,
            support_coverage=coverage,
            supplier=acme if slug in {"atm", "chatbot"} else None,
        )
    return acme


def _by_mode(rows) -> dict[str, dict]:
    keys = ["total", "live", "in_development", "sunsetting", "tier0", "tier1", "tier2", "tier3", "h24"]
    return {row["mode__key"]: {k: row[k] for k in keys} for row in rows}


@pytest.mark.django_db
def test_portfolio_by_mode_for_someone_who_sees_everything(portfolio, make_user):
    rows = selectors.portfolio_by_mode(user=make_user("cab_member"))
    assert [row["mode__key"] for row in rows] == ["mode-1", "mode-2"]
    assert rows[0]["mode__short_name"] == "Mode 1"
    assert _by_mode(rows) == {
        "mode-1": {
            "total": 4,
            "live": 2,
            "in_development": 0,
            "sunsetting": 2,
            "tier0": 1,
            "tier1": 2,
            "tier2": 0,
            "tier3": 1,
            "h24": 2,
        },
        "mode-2": {
            "total": 4,
            "live": 2,
            "in_development": 2,
            "sunsetting": 0,
            "tier0": 0,
            "tier1": 1,
            "tier2": 2,
            "tier3": 1,
            "h24": 1,
        },
    }


@pytest.mark.django_db
def test_portfolio_by_mode_is_restricted(portfolio, make_user):
    live_only = _by_mode(selectors.portfolio_by_mode(user=make_user("requester")))
    assert {k: (v["total"], v["live"], v["tier0"], v["tier1"], v["tier2"]) for k, v in live_only.items()} == {
        "mode-1": (2, 2, 1, 1, 0),
        "mode-2": (2, 2, 0, 1, 1),
    }
    agent = make_user("supplier_agent", supplier=portfolio)
    supplier_rows = _by_mode(selectors.portfolio_by_mode(user=agent))
    assert {k: (v["total"], v["sunsetting"], v["in_development"]) for k, v in supplier_rows.items()} == {
        "mode-1": (1, 1, 0),
        "mode-2": (1, 0, 1),
    }
    assert selectors.portfolio_by_mode(user=make_user()) == []


@pytest.mark.django_db
def test_mode_list_counts_visible_services_that_are_not_retired(portfolio, make_user):
    def counts(user):
        return {m.key: m.service_count for m in selectors.mode_list(user=user)}

    assert counts(make_user("cab_member")) == {"mode-1": 3, "mode-2": 4}  # the mainframe is retired
    assert counts(make_user("requester")) == {"mode-1": 2, "mode-2": 2}
    assert counts(make_user("supplier_agent", supplier=portfolio)) == {"mode-1": 1, "mode-2": 1}
    assert counts(make_user()) == {}


@pytest.mark.django_db
def test_mode_list_is_one_query(portfolio, make_user, django_assert_num_queries):
    user = make_user("cab_member")
    user.get_all_permissions()  # warm the permission cache: only the list itself is counted
    with django_assert_num_queries(1):
        list(selectors.mode_list(user=user))


@pytest.mark.django_db
def test_service_list_is_restricted_and_fetches_related_rows(portfolio, make_user, django_assert_num_queries):
    requester = make_user("requester")
    requester.get_all_permissions()
    with django_assert_num_queries(2):  # services with their foreign keys, then the tags
        rows = list(selectors.service_list(user=requester))
        names = [(s.name, s.mode.key, s.owner_team.slug, list(s.regulatory_tags.all())) for s in rows]
    assert [n[0] for n in names] == ["app", "cards", "ledger", "web"]


@pytest.mark.django_db
def test_service_dependencies_are_restricted(make_user):
    g = _graph("b>a c>a a>d")
    g["c"].lifecycle = "proposed"
    g["c"].save()
    depends_on, dependents = selectors.service_dependencies(g["a"], user=make_user("cab_member"))
    assert [e.target.slug for e in depends_on] == ["d"]
    assert sorted(e.source.slug for e in dependents) == ["b", "c"]
    member = make_user("product_team_member")
    _, dependents = selectors.service_dependencies(g["a"], user=member)
    assert sorted(e.source.slug for e in dependents) == ["b", "c"]
