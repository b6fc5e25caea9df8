"""Reads of the portfolio: restricted lists, the dependency graph and roll-ups."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from bimodal.portfolio.choices import Lifecycle
from bimodal.portfolio.models import Mode, Service, ServiceDependency


def service_list(*, user) -> QuerySet[Service]:
    """The services `user` may see, with everything a list shows."""
    return Service.objects.restrict(user, "view").with_related()


def mode_list(*, user) -> QuerySet[Mode]:
    """The modes with their number of services that `user` can see (one query)."""
    visible = Service.objects.restrict(user, "view").exclude(lifecycle=Lifecycle.RETIRED)
    return Mode.objects.restrict(user, "view").annotate(
        service_count=Count("services", filter=Q(services__in=visible.values("pk")))
    )


def _walk(
    start: set[int], *, upstream: bool, kind: str | None = None, stop_at: int | None = None
) -> dict[int, int]:
    """Breadth-first walk of the dependency graph, one query per level.

    upstream=True follows "depends on me" edges (who is affected), False follows "I depend on" edges.
    Returns {service id: distance}; stops early once `stop_at` is reached."""
    here, there = ("target_id", "source_id") if upstream else ("source_id", "target_id")
    distance: dict[int, int] = {}
    frontier, depth = set(start), 0
    while frontier:
        depth += 1
        edges = ServiceDependency.objects.filter(**{f"{here}__in": frontier})
        if kind:
            edges = edges.filter(kind=kind)
        frontier = set(edges.values_list(there, flat=True)) - distance.keys() - start
        for service_id in frontier:
            distance[service_id] = depth
        if stop_at is not None and stop_at in frontier:
            break
    return distance


def blast_radius(service: Service, *, user=None) -> list[tuple[Service, int]]:
    """Every service that depends on `service`, directly or transitively, with its distance."""
    distance = _walk({service.pk}, upstream=True)
    services = Service.objects.filter(pk__in=distance.keys())
    if user is not None:
        services = services.restrict(user, "view")
    rows = [(s, distance[s.pk]) for s in services.select_related("mode", "owner_team")]
    return sorted(rows, key=lambda row: (row[1], row[0].criticality, row[0].name))


def upstream_services(service: Service) -> dict[int, int]:
    """Ids of everything `service` depends on, transitively, with distance."""
    return _walk({service.pk}, upstream=False)


def would_create_cycle(*, source: Service, target: Service, kind: str) -> bool:
    """Whether adding `source` depends-on `target` (of `kind`) closes a cycle of that kind."""
    if source.pk == target.pk:
        return True
    return source.pk in _walk({target.pk}, upstream=False, kind=kind, stop_at=source.pk)


def service_dependencies(service: Service, *, user) -> tuple[QuerySet, QuerySet]:
    """(what the service depends on, what depends on it), each restricted to `user`."""
    edges = ServiceDependency.objects.restrict(user, "view").select_related(
        "source__mode", "target__mode", "source__owner_team", "target__owner_team"
    )
    return edges.filter(source=service), edges.filter(target=service)


def portfolio_by_mode(*, user) -> list[dict]:
    """Per mode: services by lifecycle and criticality, for the home dashboard (one query)."""
    visible = Service.objects.restrict(user, "view")
    rows = (
        visible.values("mode__key", "mode__short_name", "mode__name", "mode__colour", "mode__order")
        .annotate(
            total=Count("pk"),
            live=Count("pk", filter=Q(lifecycle=Lifecycle.LIVE)),
            in_development=Count(
                "pk", filter=Q(lifecycle__in=[Lifecycle.PROPOSED, Lifecycle.IN_DEVELOPMENT])
            ),
            sunsetting=Count("pk", filter=Q(lifecycle__in=[Lifecycle.SUNSETTING, Lifecycle.RETIRED])),
            tier0=Count("pk", filter=Q(criticality=0)),
            tier1=Count("pk", filter=Q(criticality=1)),
            tier2=Count("pk", filter=Q(criticality=2)),
            tier3=Count("pk", filter=Q(criticality=3)),
            h24=Count("pk", filter=Q(support_coverage="24x7")),
        )
        .order_by("mode__order", "mode__name")
    )
    return list(rows)
