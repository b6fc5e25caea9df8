"""Reads of the changes app: lists, windows and freezes in force, conflicts, failure rates, the calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Avg,
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Field,
    Func,
    IntegerField,
    JSONField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from bimodal.changes.choices import (
    ACTIVE,
    FINISHED,
    RELEASE_ON_TRAIN,
    RELEASE_OPEN,
    UNSUCCESSFUL,
    ChangeStatus,
    WindowKind,
)
from bimodal.changes.models import (
    Change,
    ChangeApproval,
    ChangeWindow,
    GateRequest,
    PipelineToken,
    Release,
    StandardChangeTemplate,
)
from bimodal.core import db
from bimodal.core.models import Actor, AuditEntry, User
from bimodal.core.verbs import AuditVerb
from bimodal.governance import engine
from bimodal.governance.selectors import ReportRow, report_figures
from bimodal.portfolio.models import Mode, RegulatoryTag, Service, ServiceDependency

FAILURE_RATE_DAYS = 90


def raisable_services(user: Actor) -> QuerySet[Service]:
    """The services `user` may raise changes on: every one for a change manager (`manage_change`), else
    the services whose owner team has them as member or lead, or whose service owner they are."""
    services = Service.objects.restrict(user, "view")
    if user is None or user.has_perm("changes.manage_change"):  # no one: restrict() gave no rows
        return services
    return services.filter(
        Q(owner_team__members=user) | Q(owner_team__lead=user) | Q(service_owner=user)
    ).distinct()


def template_services(template: StandardChangeTemplate, user: Actor) -> QuerySet[Service]:
    """The services a standard change from `template` may be raised for by `user`."""
    return raisable_services(user).filter(template.coverage())


def change_list(*, user: Actor) -> QuerySet[Change]:
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


class _CountDistinct(Func):
    """COUNT(DISTINCT …) as a plain expression, for a one-value subquery without GROUP BY."""

    template = "COUNT(DISTINCT %(expressions)s)"
    output_field = IntegerField()


class _Finished(Func):
    """`result IN (…FINISHED)` with the values written into the SQL, not bound: a prepared statement's
    generic plan can then use the partial index of finished changes (`change_finished_idx`), which a
    condition on parameters never matches."""

    template = "%(expressions)s IN (" + ", ".join(f"'{v}'" for v in sorted(FINISHED)) + ")"
    output_field = BooleanField()


class _Max(Func):
    """MAX(…) as a plain expression, for a one-value subquery without GROUP BY."""

    function = "MAX"


def _scalar(
    queryset: QuerySet[Any], expression: Any, output_field: Field[Any, Any] | None = None
) -> Subquery:
    """One aggregate value of `queryset` as a subquery."""
    if output_field is not None:
        expression.output_field = output_field
    return Subquery(queryset.order_by().annotate(_v=expression).values("_v"))


def _fact_annotations(
    services: list[Service],
    start: datetime,
    end: datetime,
    since: datetime | None = None,
    *,
    mode_id: int | None = None,
    day: date | None = None,
) -> dict[str, Any]:
    """What a decision needs to know about `services` in [start, end), as subqueries of one query:
    the failure-rate counts, whether a window covers the slot or a freeze touches it, the release of
    the train of `mode_id` (the primary service's mode) on `day` (the slot's local date) and whether
    that mode has a train still to run, and the signatures of the dependency graph and of the policies
    (to reuse cached results)."""
    ids = [s.pk for s in services]
    mode_id = services[0].mode_id if mode_id is None else mode_id
    day = timezone.localdate(start) if day is None else day
    releases = Release.objects.filter(mode_id=mode_id)
    since = since or timezone.now() - timedelta(days=FAILURE_RATE_DAYS)
    # The window's finished changes from the partial index, then those of these services: the cost is
    # that of the finished changes in the window, not of every change (or open deployment) of the service.
    finished = Change.objects.filter(_Finished(F("result")), services__in=ids, updated_at__gte=since)
    applies = ChangeWindow.objects.filter(
        Q(modes__isnull=True, services__isnull=True)
        | Q(modes__in=sorted({s.mode_id for s in services}))
        | Q(services__in=ids)
    )
    edges, policies = ServiceDependency.objects.all(), engine.policy_signature_query()
    failed = Case(When(result__in=UNSUCCESSFUL, then=F("pk")))
    return {
        # Both counts from one pass over the services' changes: total × 2³² + failed.
        "f_counts": _scalar(
            finished,
            _CountDistinct(F("pk")) * Value(_COUNT_BASE, output_field=BigIntegerField())
            + _CountDistinct(failed),
            BigIntegerField(),
        ),
        "f_window": Exists(applies.filter(kind=WindowKind.WINDOW, start__lte=start, end__gte=end)),
        "f_freeze": Exists(applies.filter(kind=WindowKind.FREEZE, start__lt=end, end__gt=start)),
        "r_release": Subquery(
            releases.filter(planned_date=day, status__in=RELEASE_ON_TRAIN).order_by("pk").values("pk")[:1]
        ),
        "r_train": Exists(releases.filter(status__in=RELEASE_OPEN, planned_date__gte=day)),
        "g_count": _scalar(edges, Func(F("pk"), function="COUNT"), IntegerField()),
        "g_max": _scalar(edges, _Max(F("pk")), IntegerField()),
        "g_time": _scalar(edges, _Max(F("updated_at")), DateTimeField()),
        "p_max": _scalar(policies, _Max(F("pk")), IntegerField()),
        "p_count": _scalar(policies, Func(F("pk"), function="COUNT"), IntegerField()),
        "p_time": _scalar(policies, _Max(F("created_at")), DateTimeField()),
    }


_COUNT_BASE = 2**32
_FACT_NAMES = (
    "f_counts",
    "f_window",
    "f_freeze",
    "r_release",
    "r_train",
    "g_count",
    "g_max",
    "g_time",
    "p_max",
    "p_count",
    "p_time",
)


def _facts_of(row: dict[str, Any]) -> dict[str, Any]:
    total, bad = divmod(row["f_counts"] or 0, _COUNT_BASE)
    return {
        "failure_rate": bad / total if total else 0.0,
        "in_window": bool(row["f_window"]),
        "in_freeze": bool(row["f_freeze"]),
        "release": row["r_release"],
        "release_train": bool(row["r_train"]),
        "graph": engine.normalise_signature((row["g_count"], row["g_max"], row["g_time"])),
        "policies": (row["p_max"], row["p_count"], row["p_time"]),
    }


def change_facts(
    services: list[Service], start: datetime, end: datetime, *, mode_id: int | None = None
) -> dict[str, Any]:
    """failure_rate, in_window, in_freeze, the release on the slot's date of the train of `mode_id`
    (default: the first service's mode) and whether it has a train, and the graph and policy
    signatures, in one query."""
    annotations = _fact_annotations(services, start, end, mode_id=mode_id)
    row = Service.objects.filter(pk=services[0].pk).annotate(**annotations)
    return _facts_of(row.values(*_FACT_NAMES).get())


# The gate asks the same questions on every call: their queries are built and compiled by the ORM once
# per process (with stand-in values) and then run with the real values in their places (core.db).
_GATE_STAND_INS = {
    "service": -910_001,
    "mode": -910_002,
    "token": -910_003,
    "since": datetime(1901, 1, 1, 0, 0, 1, tzinfo=UTC),
    "start": datetime(1901, 1, 1, 0, 0, 2, tzinfo=UTC),
    "end": datetime(1901, 1, 1, 0, 0, 3, tzinfo=UTC),
    "day": date(1901, 1, 4),
    "key": "\x1fgate-idempotency-key-stand-in\x1f",
}


class _JSONArrayAgg(Func):
    """The values of a column as one JSON array, for a one-value subquery without GROUP BY."""

    function = "JSON_ARRAYAGG"
    output_field = JSONField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[str | int, ...]]:
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[str | int, ...]]:
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra)


def _gate_facts_query(stand: dict[str, Any]) -> QuerySet[Service, tuple[Any, ...]]:
    fake = Service(pk=stand["service"], mode_id=stand["mode"])
    through = Service.pipeline_tokens.through
    return (
        Service.objects.filter(pk=stand["service"])
        .annotate(
            f_scope=Exists(
                through.objects.filter(pipelinetoken_id=stand["token"], service_id=OuterRef("pk"))
            ),
            f_existing=Subquery(
                GateRequest.objects.filter(service_id=OuterRef("pk"), idempotency_key=stand["key"])
                .order_by()
                .values("pk")[:1]
            ),
            f_tags=_scalar(RegulatoryTag.objects.filter(services=OuterRef("pk")), _JSONArrayAgg(F("name"))),
            # The stamps of the rows the per-process snapshot holds (a revoked token has none).
            t_stamp=Subquery(
                PipelineToken.objects.filter(pk=stand["token"], revoked_at__isnull=True)
                .order_by()
                .values("updated_at")[:1]
            ),
            s_stamp=F("updated_at"),
            m_stamp=F("mode__updated_at"),
            **_fact_annotations([fake], stand["start"], stand["end"], since=stand["since"], day=stand["day"]),
        )
        .values_list("f_scope", "f_existing", "f_tags", "t_stamp", "s_stamp", "m_stamp", *_FACT_NAMES)
    )


# Planning this query's dozen subqueries costs PostgreSQL more than running it (about 2 ms against 1).
_gate_facts = db.CompiledQuery(_gate_facts_query, _GATE_STAND_INS)
_gate_service = db.CompiledQuery(
    lambda stand: Service.objects.filter(slug=stand["slug"]).values_list(
        *db.columns(Service), *db.columns(Mode, "mode__")
    ),
    {"slug": "\x1fgate-service-stand-in\x1f"},
)


_pipeline_token = db.CompiledQuery(
    lambda stand: PipelineToken.objects.filter(prefix=stand["prefix"], revoked_at__isnull=True).values_list(
        *db.columns(PipelineToken), *db.columns(User, "user__")
    ),
    {"prefix": "\x1fpipeline-token-stand-in\x1f"},
)


# The gate's per-process snapshot: pipeline tokens by prefix and services by slug (with their mode), so
# that an allowed call does not look them up again. Every gate call checks what it used against the
# rows' stamps in its one facts query (gate_facts: `stale`) and starts again from fresh rows when a
# token was revoked or changed, or a service or its mode was edited — the next call sees every write.
_SNAPSHOT_SIZE = 5_000
_snapshot: dict[str, dict[str, Any]] = {"tokens": {}, "services": {}}


def gate_snapshot_clear() -> None:
    """Forget the tokens and services the gate holds (they are loaded again on their next use)."""
    _snapshot["tokens"].clear()
    _snapshot["services"].clear()


def _remember(kind: str, key: str, obj: Any) -> Any:
    held = _snapshot[kind]
    if len(held) >= _SNAPSHOT_SIZE:
        held.clear()
    held[key] = obj
    return obj


def pipeline_token(prefix: str, *, cached: bool = False) -> PipelineToken | None:
    """The unrevoked pipeline token with `prefix`, with its machine user (one prepared query; none with
    `cached` when the gate's snapshot holds it — the gate then checks it in its facts query)."""
    if cached and (held := _snapshot["tokens"].get(prefix)) is not None:
        return held  # type: ignore[no-any-return]
    rows = _pipeline_token.rows(prefix=prefix)
    if not rows:
        return None
    token = db.instance_with(PipelineToken, "user", User, _pipeline_token.using, rows[0])
    return _remember("tokens", prefix, token) if cached else token


def gate_service(slug: str, *, cached: bool = False) -> Service | None:
    """The service a pipeline names, with its mode (one prepared query; none with `cached` when the
    gate's snapshot holds it — the gate then checks it in its facts query)."""
    if cached and (held := _snapshot["services"].get(slug)) is not None:
        return held  # type: ignore[no-any-return]
    rows = _gate_service.rows(slug=slug)
    if not rows:
        return None
    service = db.instance_with(Service, "mode", Mode, _gate_service.using, rows[0])
    return _remember("services", slug, service) if cached else service


def gate_facts(
    service: Service, *, token: PipelineToken, start: datetime, end: datetime, idempotency_key: str = ""
) -> tuple[bool, dict[str, Any]]:
    """(whether `token` covers `service`, the decision facts of selectors.change_facts) in one query;
    the facts also hold the service's regulatory tag names (`tags`) and the id of the gate request
    already answered for `idempotency_key` (`existing`, None if there is none), and `stale`: whether
    the token was revoked or changed, or the service or its mode edited, since these instances were
    loaded (the gate's snapshot then loads them again and asks again)."""
    rows = _gate_facts.rows(
        service=service.pk,
        mode=service.mode_id,
        token=token.pk,
        since=timezone.now() - timedelta(days=FAILURE_RATE_DAYS),
        start=start,
        end=end,
        day=timezone.localdate(start),
        key=idempotency_key,
    )
    if not rows:
        return False, {"stale": True}
    names = ("f_scope", "f_existing", "f_tags", "t_stamp", "s_stamp", "m_stamp", *_FACT_NAMES)
    row = dict(zip(names, rows[0], strict=True))
    tags = row["f_tags"]
    stale = (
        row["t_stamp"] != token.updated_at
        or row["s_stamp"] != service.updated_at
        or (Service.mode.is_cached(service) and row["m_stamp"] != service.mode.updated_at)
    )
    facts = {
        **_facts_of(row),
        "existing": row["f_existing"],
        "tags": sorted(t for t in tags or () if t),
        "stale": stale,
    }
    return bool(row["f_scope"]), facts


_blast_cache: dict[str, Any] = {"signature": None, "sizes": {}}


def graph_signature() -> tuple[str, ...]:
    """(number of edges, highest id, newest edit) of the dependency graph: changes whenever it does."""
    agg = ServiceDependency.objects.aggregate(c=Count("pk"), m=Max("pk"), t=Max("updated_at"))
    return engine.normalise_signature((agg["c"], agg["m"], agg["t"]))


def blast_radius_size(services: list[Service], *, signature: tuple[str, ...] | None = None) -> int:
    """How many other services depend, directly or transitively, on the changed ones.

    Cached per process for the current dependency graph: the walk runs again only when the graph's
    signature (fetched by the caller with its other facts, or here in one query) changes."""
    signature = graph_signature() if signature is None else signature
    if _blast_cache["signature"] != signature:
        _blast_cache.update(signature=signature, sizes={})
    key = frozenset(s.pk for s in services)
    size: int | None = _blast_cache["sizes"].get(key)
    if size is None:
        # Breadth-first over "depends on me" edges, one query per level, from all changed services at once.
        seen, frontier = set(key), set(key)
        while frontier:
            frontier = (
                set(
                    ServiceDependency.objects.filter(target_id__in=frontier).values_list(
                        "source_id", flat=True
                    )
                )
                - seen
            )
            seen |= frontier
        size = len(seen - key)
        if len(_blast_cache["sizes"]) > 10_000:
            _blast_cache["sizes"].clear()
        _blast_cache["sizes"][key] = size
    return size


def release_on(mode_id: int, day: date) -> Release | None:
    """The release of a mode's train on `day` (not cancelled), if any: what a deployment that day joins."""
    return (
        Release.objects.filter(mode_id=mode_id, planned_date=day, status__in=RELEASE_ON_TRAIN)
        .order_by("pk")
        .first()
    )


def next_open_release(mode_id: int, day: date) -> Release | None:
    """The first release of a mode's train still open to changes on or after `day`."""
    return (
        Release.objects.filter(mode_id=mode_id, planned_date__gte=day, status__in=RELEASE_OPEN)
        .order_by("planned_date", "pk")
        .first()
    )


def release_list(*, user: Actor) -> QuerySet[Release]:
    """The releases `user` may see, with their mode and how many changes and deployments joined each."""
    return (
        Release.objects.restrict(user, "view")
        .select_related("mode")
        .annotate(
            change_count=Count("changes", distinct=True), deployment_count=Count("deployments", distinct=True)
        )
    )


def cab_agenda(*, user: Actor) -> QuerySet[Change]:
    """Changes awaiting a forum's (CAB's) approval, riskiest first."""
    return (
        change_list(user=user)
        .filter(status=ChangeStatus.AWAITING_APPROVAL)
        .prefetch_related("approvals__approver")
        .order_by("-risk_score", "planned_start")
    )


def calendar(*, user: Actor, start: datetime, end: datetime) -> dict[str, Any]:
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


# --- for governance's "minimum viable bureaucracy" report (registered in ChangesConfig.ready()) ------


def bureaucracy_rows() -> list[ReportRow]:
    """Rows from change records: a change asks for approval when it enters "awaiting approval" and is
    decided when it is approved or rejected (both read from the audit log); its approval steps are
    the votes cast. Grouped by the mode of its primary service. 3 queries."""
    change_type = ContentType.objects.get_for_model(Change)
    audit = AuditEntry.objects.filter(content_type=change_type, object_id=Cast(OuterRef("pk"), CharField()))
    primary = Service.objects.filter(changes=OuterRef("pk")).order_by("criticality", "mode__order", "slug")
    votes = (
        ChangeApproval.objects.filter(change=OuterRef("pk"))
        .order_by()
        .values("change")
        .annotate(c=Count("pk"))
        .values("c")
    )
    changes = (
        Change.objects.exclude(status=ChangeStatus.DRAFT)
        .annotate(
            _mode=Subquery(primary.values("mode_id")[:1]),
            _steps=Coalesce(Subquery(votes), Value(0)),
            _asked=Subquery(
                audit.filter(verb=AuditVerb.CHANGE_AWAITING_APPROVAL).order_by("seq").values("timestamp")[:1]
            ),
            _decided=Subquery(
                audit.filter(verb__in=["change_approved", "change_rejected"])
                .order_by("seq")
                .values("timestamp")[:1]
            ),
        )
        .order_by()
    )
    totals = (
        changes.values("_mode")
        .annotate(
            n=Count("pk"),
            decided=Count("pk", filter=Q(_asked__isnull=False, _decided__isnull=False)),
            mean_steps=Avg("_steps"),
        )
        .order_by("_mode")
    )
    figures = report_figures(
        changes.annotate(_lead=ExpressionWrapper(F("_decided") - F("_asked"), output_field=DurationField())),
        ("_mode",),
        steps="_steps",
        lead="_lead",
    )
    modes = {m.pk: m for m in Mode.objects.all()}
    rows = []
    for t in sorted(totals, key=lambda t: modes[t["_mode"]].order if t["_mode"] in modes else 999):
        key = (t["_mode"],)
        mode = modes.get(t["_mode"])
        rows.append(
            ReportRow(
                source="changes",
                decision_type="approve_change",
                decision_label="Change approval (change records)",
                mode=mode.key if mode else "",
                mode_label=mode.short_name if mode else "No mode",
                requests=t["n"],
                decided=t["decided"],
                mean_steps=round(float(t["mean_steps"]), 2) if t["mean_steps"] is not None else None,
                **figures.get(key, {}),
            )
        )
    return rows
