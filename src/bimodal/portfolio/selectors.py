"""Reads of the portfolio: restricted lists, the dependency graph and roll-ups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from django.db.models import Count, Prefetch, Q, QuerySet

from bimodal.core.models import Actor
from bimodal.core.querysets import RestrictedQuerySet
from bimodal.portfolio import assessment as engine
from bimodal.portfolio import presets
from bimodal.portfolio.choices import PATHWAYS_IN_FLIGHT, Lifecycle, QuestionnaireStatus
from bimodal.portfolio.models import (
    Assessment,
    Criterion,
    MigrationPathway,
    Mode,
    Questionnaire,
    ReclassificationProposal,
    Service,
    ServiceDependency,
)


def service_list(*, user: Actor) -> RestrictedQuerySet[Service]:
    """The services `user` may see, with everything a list shows."""
    return Service.objects.restrict(user, "view").with_related()


def mode_list(*, user: Actor) -> RestrictedQuerySet[Mode]:
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


def blast_radius(service: Service, *, user: Actor = None) -> list[tuple[Service, int]]:
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


def service_dependencies(
    service: Service, *, user: Actor
) -> tuple[QuerySet[ServiceDependency], QuerySet[ServiceDependency]]:
    """(what the service depends on, what depends on it), each restricted to `user`."""
    edges = ServiceDependency.objects.restrict(user, "view").select_related(
        "source__mode", "target__mode", "source__owner_team", "target__owner_team"
    )
    return edges.filter(source=service), edges.filter(target=service)


def portfolio_by_mode(*, user: Actor) -> list[Mapping[str, Any]]:
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


# --- assessment ------------------------------------------------------------------------------------

_SCORERS: dict[tuple[int, str], engine.Scorer] = {}


def current_questionnaire() -> Questionnaire | None:
    """The published questionnaire with its criteria (two queries)."""
    return (
        Questionnaire.objects.filter(status=QuestionnaireStatus.PUBLISHED)
        .prefetch_related(Prefetch("criteria", queryset=Criterion.objects.order_by("order", "key")))
        .first()
    )


def criterion_specs(questionnaire: Questionnaire) -> list[engine.CriterionSpec]:
    """The questionnaire's criteria as engine specs."""
    return [
        engine.CriterionSpec(
            key=c.key,
            label=c.label,
            dimension=c.dimension,
            weight=c.weight,
            mode_weights=c.mode_weights or {},
            options=tuple(
                engine.Option(str(o["value"]), str(o["label"]), int(o["score"])) for o in c.options
            ),
            help=c.help_text,
            axis=c.axis,
        )
        for c in questionnaire.criteria.all()
    ]


def scorer_for(questionnaire: Questionnaire) -> engine.Scorer:
    """The compiled scorer of a questionnaire; published and retired versions are frozen, so cached."""
    places = dict(Mode.objects.order_by("order", "name").values_list("key", "exploration"))
    cache_key = (questionnaire.pk, ",".join(f"{key}@{place}" for key, place in places.items()))
    if questionnaire.status != QuestionnaireStatus.DRAFT and cache_key in _SCORERS:
        return _SCORERS[cache_key]
    positions = {key: float(place) for key, place in places.items()}
    scorer = engine.Scorer(criterion_specs(questionnaire), list(places), positions)
    if questionnaire.status != QuestionnaireStatus.DRAFT:
        _SCORERS[cache_key] = scorer
    return scorer


def assessment_list(*, user: Actor) -> RestrictedQuerySet[Assessment]:
    """Assessments `user` may see, with their service, modes and assessor."""
    return Assessment.objects.restrict(user, "view").select_related(
        "service__mode",
        "service__owner_team",
        "current_mode",
        "recommended_mode",
        "assessed_by",
        "questionnaire",
    )


def latest_assessments(*, user: Actor) -> RestrictedQuerySet[Assessment]:
    """The newest assessment of every service `user` may see."""
    return assessment_list(user=user).filter(is_latest=True)


def proposal_list(*, user: Actor) -> RestrictedQuerySet[ReclassificationProposal]:
    """Reclassification proposals `user` may see."""
    return ReclassificationProposal.objects.restrict(user, "view").with_related()


def pathway_list(*, user: Actor) -> RestrictedQuerySet[MigrationPathway]:
    """Migration pathways `user` may see, with progress counts (one query)."""
    return (
        MigrationPathway.objects.restrict(user, "view")
        .with_related()
        .annotate(
            steps_total=Count("steps", distinct=True),
            steps_done=Count("steps", filter=Q(steps__done=True), distinct=True),
            readiness_total=Count("readiness", distinct=True),
            readiness_met=Count("readiness", filter=Q(readiness__met=True), distinct=True),
            blockers=Count("steps", filter=Q(steps__done=False) & ~Q(steps__blocker=""), distinct=True),
        )
    )


def pathways_in_flight(*, user: Actor) -> RestrictedQuerySet[MigrationPathway]:
    """Pathways not yet completed or cancelled."""
    return pathway_list(user=user).filter(status__in=PATHWAYS_IN_FLIGHT)


class PathwayCounts(Protocol):
    """A pathway from pathway_list(), with its counts."""

    steps_total: int
    steps_done: int
    readiness_total: int
    readiness_met: int


def progress(pathway: PathwayCounts) -> int:
    """Percent of steps done and readiness criteria met (from pathway_list's annotations)."""
    total = pathway.steps_total + pathway.readiness_total
    return round(100 * (pathway.steps_done + pathway.readiness_met) / total) if total else 0


def mode_sla_profile(mode: Mode) -> dict[str, tuple[int, int]]:
    """The incident SLA targets {priority: (response, resolution) seconds} of the mode's place on the axis
    (portfolio.presets.SLA_PROFILES)."""
    return presets.sla_profile(mode.exploration)


def blast_edges(service: Service, others: Iterable[Service], *, user: Actor) -> QuerySet[ServiceDependency]:
    """The dependency edges among `service` and the services of its blast radius that `user` may see."""
    ids = {service.pk, *(s.pk for s in others)}
    return (
        ServiceDependency.objects.restrict(user, "view")
        .filter(source_id__in=ids, target_id__in=ids)
        .exclude(source_id=service.pk)
        .only("source_id", "target_id", "kind")
    )
