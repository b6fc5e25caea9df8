"""Benchmark of the portfolio: restricted service list, blast radius and CSV import.

Builds a throw-away SQLite database (about 2,000 services, 4,000 dependency edges), times each
operation over several repetitions and prints the median, the query count and the ratio to a plain
ORM baseline. Run with `.venv/bin/python benchmarks/bench_portfolio.py` or `make benchmark`.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = 2000
EDGES = 4000
TEAMS = 8
IMPORT_ROWS = 500
REPEATS = 15
IMPORT_REPEATS = 3
SEED = 20240701


def _configure(data_dir: str) -> None:
    """Point Django at a fresh database in `data_dir` before it is imported."""
    sys.path.insert(0, str(ROOT / "src"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bimodal.config.settings"
    os.environ["BIMODAL_DATA_DIR"] = data_dir
    os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory, which production does not do
    os.environ["LOG_LEVEL"] = "WARNING"
    # Never a developer's own database: BENCH_DATABASE_URL chooses another one (e.g. an empty PostgreSQL).
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{data_dir}/bench.sqlite3")


class QueryCounter:
    """Counts the queries run inside it (no cap, unlike Django's DEBUG query log)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> QueryCounter:
        from django.db import connection

        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._wrapper.__exit__(*exc)


def _time(fn: Callable[[], object], repeats: int = REPEATS) -> tuple[float, int]:
    """Median wall time of `fn` in seconds (after one warm-up run) and the queries one run makes."""
    with QueryCounter() as queries:
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), queries.count


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def _line(label: str, seconds: float, queries: int) -> None:
    print(f"  {label:<46}{_ms(seconds)}  ({queries} queries)")


def build(rng: random.Random):
    """The data set: teams, users and services in bulk; a seeded random dependency graph."""
    from django.contrib.auth.models import Group

    from bimodal.core.models import OrgUnit, Team, User
    from bimodal.portfolio.models import Mode, Service, ServiceDependency

    unit = OrgUnit.objects.create(name="Bench", slug="bench")
    member = User.objects.create_user("member", password=None)
    member.groups.add(Group.objects.get(name="product_team_member"))
    gov = User.objects.create_user("gov", password=None)
    gov.groups.add(Group.objects.get(name="governance_lead"))
    teams = [Team.objects.create(name=f"Team {i}", slug=f"team-{i}", org_unit=unit) for i in range(TEAMS)]
    teams[0].members.add(member)
    modes = list(Mode.objects.order_by("order"))
    lifecycles = ["live"] * 6 + ["in_development", "proposed", "sunsetting", "retired"]
    services = Service.objects.bulk_create(
        [
            Service(
                name=f"Service {i:04d}",
                slug=f"service-{i:04d}",
                mode=modes[i % len(modes)],
                owner_team=teams[i % TEAMS],
                lifecycle=rng.choice(lifecycles),
                criticality=rng.randint(0, 3),
            )
            for i in range(SERVICES)
        ],
        batch_size=500,
    )
    # Edges point from a later service to an earlier one, biased towards the first (core) services:
    # a few hubs that much depends on, and an acyclic graph like a real estate.
    kinds = ["runtime"] * 3 + ["data", "authentication", "infrastructure"]
    edges: set[tuple[int, int, str]] = set()
    while len(edges) < EDGES:
        source = rng.randrange(1, SERVICES)
        target = int(source * rng.random() ** 3)
        edges.add((source, target, rng.choice(kinds)))
    ServiceDependency.objects.bulk_create(
        [ServiceDependency(source=services[s], target=services[t], kind=k) for s, t, k in sorted(edges)],
        batch_size=1000,
    )
    return member, gov, teams, modes, services


def bench_service_list(member_pk: int) -> None:
    """(a) The first page of the service list as a product-team member sees it."""
    from bimodal.core.models import User
    from bimodal.portfolio import selectors
    from bimodal.portfolio.models import Service

    def restricted():
        user = User.objects.get(pk=member_pk)  # a fresh user per request: permissions are loaded again
        services = selectors.service_list(user=user)
        return list(services[:50]), services.count()

    def changeable():
        user = User.objects.get(pk=member_pk)
        services = Service.objects.restrict(user, "change").with_related()
        return list(services[:50]), services.count()

    def baseline():
        services = Service.objects.select_related(
            "mode", "owner_team", "capability", "supplier", "service_owner"
        )
        return list(services[:50]), services.count()

    print("(a) service list, first 50 rows + count")
    base, base_q = _time(baseline)
    rest, rest_q = _time(restricted)
    change, change_q = _time(changeable)
    _line("baseline: plain select_related", base, base_q)
    _line("service_list(user=product team member)", rest, rest_q)
    _line("restrict(member, 'change').with_related()", change, change_q)
    print(f"  ratio restricted / baseline: {rest / base:.2f}×; changeable / baseline: {change / base:.2f}×")


def bench_blast_radius() -> None:
    """(b) Everything that depends, transitively, on the most depended-on service."""
    from django.db.models import Count

    from bimodal.portfolio import selectors
    from bimodal.portfolio.models import Service, ServiceDependency

    hub = Service.objects.annotate(n=Count("dependents")).order_by("-n", "pk").first()
    radius = selectors.blast_radius(hub)
    depth = max((d for _, d in radius), default=0)

    def baseline():
        return list(ServiceDependency.objects.filter(target=hub).values_list("source_id", flat=True))

    print(
        f"(b) blast radius of {hub.slug}: {hub.n} direct dependents, "
        f"{len(radius)} affected services, depth {depth}"
    )
    base, base_q = _time(baseline)
    ids, ids_q = _time(lambda: selectors._walk({hub.pk}, upstream=True))
    walk, walk_q = _time(lambda: selectors.blast_radius(hub))
    _line("baseline: one ServiceDependency query", base, base_q)
    _line("of which the graph walk (ids and distances)", ids, ids_q)
    _line("blast_radius(hub)", walk, walk_q)
    print(f"  ratio blast radius / baseline: {walk / base:.2f}×; walk only / baseline: {ids / base:.2f}×")


def _import_csv(rep: int, rng: random.Random, teams, modes, services) -> str:
    from bimodal.portfolio.csvio import COLUMNS

    header = [
        "slug",
        "name",
        "mode",
        "owner_team",
        "lifecycle",
        "criticality",
        "regulatory_tags",
        "depends_on",
    ]
    assert set(header) <= set(COLUMNS)
    lines = [",".join(header)]
    for i in range(IMPORT_ROWS):
        targets = {s.slug for s in rng.sample(services[:200], k=rng.randint(0, 2))}
        lines.append(
            ",".join(
                [
                    f"import-{rep}-{i:03d}",
                    f"Imported {rep} {i:03d}",
                    rng.choice(modes).key,
                    rng.choice(teams).slug,
                    "live",
                    str(rng.randint(0, 3)),
                    rng.choice(["", "PCI DSS", "SOX;GDPR"]),
                    ";".join(sorted(targets)),
                ]
            )
        )
    return "\n".join(lines) + "\n"


def bench_csv_import(gov_pk: int, rng: random.Random, teams, modes, services) -> None:
    """(c) Importing 500 new services (validated, permission-checked, audited) from CSV."""
    from django.db import transaction

    from bimodal.core.models import User
    from bimodal.portfolio.csvio import import_services
    from bimodal.portfolio.models import Service

    gov = User.objects.get(pk=gov_pk)
    print(f"(c) CSV import of {IMPORT_ROWS} new services (with tags and 0–2 dependencies each)")
    samples, queries, edges = [], 0, 0
    for rep in range(IMPORT_REPEATS):
        text = _import_csv(rep, rng, teams, modes, services)
        with QueryCounter() as counted:
            start = time.perf_counter()
            result = import_services(actor=gov, text=text)
            samples.append(time.perf_counter() - start)
        if not result.ok:
            raise SystemExit(f"import failed: {[str(e) for e in result.errors[:5]]}")
        queries, edges = counted.count, result.dependencies_added

    def baseline(rep=[0]):  # noqa: B006 - a counter that survives between calls
        rep[0] += 1
        with transaction.atomic():
            for i in range(IMPORT_ROWS):
                Service.objects.create(
                    name=f"Plain {rep[0]} {i}", slug=f"plain-{rep[0]}-{i}", mode=modes[0], owner_team=teams[0]
                )

    base, base_q = _time(baseline, repeats=IMPORT_REPEATS)
    median = statistics.median(samples)
    _line("baseline: Service.objects.create() × 500", base, base_q)
    _line("import_services(500 rows)", median, queries)
    print(
        f"  {IMPORT_ROWS / median:,.0f} rows/s imported ({edges} dependencies in the last run); "
        f"baseline {IMPORT_ROWS / base:,.0f} rows/s; ratio import / baseline: {median / base:.1f}×"
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bimodal-bench-") as data_dir:
        _configure(data_dir)
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        call_command("migrate", verbosity=0, interactive=False)
        rng = random.Random(SEED)
        start = time.perf_counter()
        member, gov, teams, modes, services = build(rng)
        print(
            f"Bimodal portfolio benchmark — {connection.vendor}, {SERVICES} services, {EDGES} edges, "
            f"{TEAMS} teams (built in {time.perf_counter() - start:.1f} s); median of {REPEATS} runs"
        )
        bench_service_list(member.pk)
        bench_blast_radius()
        bench_csv_import(gov.pk, rng, teams, modes, services)
        connection.close()


if __name__ == "__main__":
    main()
