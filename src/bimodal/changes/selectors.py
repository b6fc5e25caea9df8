"""Reads of the changes app: lists, windows and freezes in force, conflicts, failure rates, the calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from bimodal.changes.choices import ACTIVE, FINISHED, UNSUCCESSFUL, ChangeStatus, WindowKind
from bimodal.changes.models import Change, ChangeWindow
from bimodal.portfolio.models import Service, ServiceDependency
from bimodal.portfolio.selectors import blast_radius

FAILURE_RATE_DAYS = 90


def change_list(*, user) -> QuerySet[Change]:
    """The changes `user` may see, with what a list shows."""
    return Change.objects.restrict(user, "view").with_related()


def applicable_windows(services: list[Service], start: datetime, end: datetime) -> list[ChangeWindow]:
    """Windows and freezes overlapping [start, end) that apply to any of `services` (global ones too), in
    one query: an entry with neither modes nor services applies to everything."""
    return list(
        ChangeWindow.objects.filter(start__lt=end, end__gt=start)
        .filter(
            Q(modes__isnull=True, services__isnull=True)
            | Q(modes__in={s.mode_id for s in services})
            | Q(services__in=[s.pk for s in services])
        )
        .distinct()
        .order_by("start")
    )


def windows_for(services: list[Service], start: datetime, end: datetime, kind: str) -> list[ChangeWindow]:
    """Windows (or freezes) overlapping [start, end) that apply to any of `services`."""
    return [w for w in applicable_windows(services, start, end) if w.kind == kind]


def covered(windows: list[ChangeWindow], start: datetime, end: datetime) -> bool:
    """Whether one change window among `windows` covers the whole of [start, end)."""
    return any(w.kind == WindowKind.WINDOW and w.start <= start and w.end >= end for w in windows)


def in_open_window(services: list[Service], start: datetime, end: datetime) -> bool:
    """Whether one change window covers the whole of [start, end) for these services."""
    return covered(applicable_windows(services, start, end), start, end)


def related_service_ids(services: list[Service]) -> set[int]:
    """The services and their direct neighbours in the dependency graph (either direction)."""
    ids = {s.pk for s in services}
    edges = ServiceDependency.objects.filter(Q(source__in=ids) | Q(target__in=ids)).values_list(
        "source_id", "target_id"
    )
    for source, target in edges:
        ids.update((source, target))
    return ids


@dataclass(frozen=True)
class Conflict:
    """Something that clashes with a change's planned slot."""

    kind: str  # "overlap" or "freeze"
    message: str
    other: Change | None = None
    window: ChangeWindow | None = None


def conflicts_for(change: Change) -> list[Conflict]:
    """Overlapping active changes on the same or directly dependent services, and freezes in the slot."""
    if not (change.planned_start and change.planned_end):
        return []
    services = list(change.services.all())
    found: list[Conflict] = []
    related = related_service_ids(services)
    own = {s.pk for s in services}
    others = (
        Change.objects.filter(
            status__in=ACTIVE,
            planned_start__lt=change.planned_end,
            planned_end__gt=change.planned_start,
            services__in=related,
        )
        .exclude(pk=change.pk)
        .distinct()
        .prefetch_related("services")
    )
    for other in others:
        same = own & {s.pk for s in other.services.all()}
        how = "the same service" if same else "a dependent service"
        found.append(Conflict("overlap", f"{other.reference} overlaps on {how} ({other.title})", other=other))
    for freeze in windows_for(services, change.planned_start, change.planned_end, WindowKind.FREEZE):
        found.append(Conflict("freeze", f"Planned inside the freeze “{freeze.name}”", window=freeze))
    return found


def in_freeze(services: list[Service], start: datetime, end: datetime) -> bool:
    """Whether a freeze applies to these services at any time in [start, end)."""
    return bool(windows_for(services, start, end, WindowKind.FREEZE))


def failure_rate(services: list[Service], *, days: int = FAILURE_RATE_DAYS) -> float:
    """Share of the changes to these services finished in the last `days` that failed or were backed out."""
    since = timezone.now() - timedelta(days=days)
    counts = Change.objects.filter(
        services__in=[s.pk for s in services], result__in=FINISHED, updated_at__gte=since
    ).aggregate(
        total=Count("pk", distinct=True), bad=Count("pk", distinct=True, filter=Q(result__in=UNSUCCESSFUL))
    )
    return counts["bad"] / counts["total"] if counts["total"] else 0.0


def blast_radius_size(services: list[Service]) -> int:
    """How many other services depend, directly or transitively, on the changed ones."""
    affected: set[int] = set()
    for service in services:
        affected.update(s.pk for s, _ in blast_radius(service))
    return len(affected - {s.pk for s in services})


def cab_agenda(*, user) -> QuerySet[Change]:
    """Changes awaiting a forum's (CAB's) approval, riskiest first."""
    return (
        change_list(user=user)
        .filter(status=ChangeStatus.AWAITING_APPROVAL)
        .prefetch_related("approvals__approver")
        .order_by("-risk_score", "planned_start")
    )


def calendar(*, user, start: datetime, end: datetime) -> dict:
    """Windows, freezes and planned changes overlapping [start, end), for the change calendar."""
    windows = list(
        ChangeWindow.objects.restrict(user, "view")
        .filter(start__lt=end, end__gt=start)
        .prefetch_related("modes", "services")
        .order_by("start")
    )
    changes = list(
        change_list(user=user)
        .filter(planned_start__lt=end, planned_end__gt=start)
        .exclude(status__in=[ChangeStatus.CANCELLED, ChangeStatus.REJECTED])
        .order_by("planned_start")
    )
    return {"windows": windows, "changes": changes}
