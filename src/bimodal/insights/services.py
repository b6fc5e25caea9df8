"""Writes of the insights app: the transition log (called from the service desk and changes services)
and maturity assessments."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from types import ModuleType
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Model, Q
from django.utils import timezone

from bimodal.changes.choices import Environment
from bimodal.changes.models import Change, Deployment
from bimodal.core import audit, db
from bimodal.core.models import OrgUnit, User
from bimodal.core.services import create_audited, require_object, require_perm, unique_slug, update_audited
from bimodal.core.verbs import AuditVerb
from bimodal.insights import clock
from bimodal.insights.choices import MaturityMode, Stream
from bimodal.insights.metrics import sources, sql
from bimodal.insights.models import (
    CapabilityArea,
    FactsMark,
    MaturityAssessment,
    MaturityScore,
    Transition,
)
from bimodal.integrations.models import DeploymentCommit
from bimodal.portfolio.models import Service
from bimodal.servicedesk.models import Ticket

# --- the transition log ------------------------------------------------------------------------------

# What is known of an object's previous transition: its time, business clock, party, and the row itself
# (this batch's) or its id (stored).
_Previous = tuple[datetime, float, str, Transition | int]


def _reference(obj: Model) -> str:
    return str(getattr(obj, "number", "") or getattr(obj, "reference", "") or obj.pk)


def _row(
    *,
    stream: str,
    obj: Model | None = None,
    object_id: int | None = None,
    reference: str = "",
    from_state: str,
    to_state: str,
    at: datetime | None = None,
    service: Service | None = None,
    service_id: int | None = None,
    party: str = "",
    kind: str = "",
) -> Transition:
    if object_id is None or not reference:
        if obj is None:
            raise ValueError("a transition needs its object, or its object id and reference")
        object_id = obj.pk if object_id is None else object_id
        reference = reference or _reference(obj)
    return Transition(
        stream=stream,
        kind=kind,
        object_id=object_id,
        reference=reference[:40],
        service_id=service.pk if service is not None else service_id,
        from_state=from_state or "",
        to_state=to_state,
        at=at or timezone.now(),
        party=(party or "")[:160],
    )


def _stamp(rows: list[Transition], previous: dict[tuple[str, int], _Previous]) -> dict[int, Transition]:
    """Fill the times since the previous transition of each object (rows in time order per object), and
    the previous transition's `next_*`: set on rows of this batch, returned {id: row} for stored ones."""
    stored: dict[int, Transition] = {}
    for row in rows:
        row.business_clock = clock.clock(row.at)
        before = previous.get((row.stream, row.object_id))
        if before is not None:
            prev_at, prev_clock, prev_party, prev = before
            row.wall_seconds = max((row.at - prev_at).total_seconds(), 0.0)
            row.business_seconds = max(row.business_clock - prev_clock, 0.0)
            row.from_party = prev_party
            if isinstance(prev, Transition):
                prev.next_at, prev.next_wall_seconds = row.at, row.wall_seconds
                prev.next_business_seconds = row.business_seconds
            else:
                stored[prev] = row
        previous[(row.stream, row.object_id)] = (row.at, row.business_clock, row.party, row)
    return stored


def _link_stored(stored: dict[int, Transition]) -> None:
    """Write `next_*` onto the stored previous transitions (one UPDATE per object written)."""
    for pk, row in stored.items():
        Transition.objects.filter(pk=pk).update(
            next_at=row.at, next_wall_seconds=row.wall_seconds, next_business_seconds=row.business_seconds
        )


# The set-based form of the same link, for the log as a whole (backfill, bulk loads): each transition
# gets its object's next one in (at, id) order.
NEXT_BACKFILL_SQL = (
    "UPDATE insights_transition SET next_at = n.next_at, next_wall_seconds = n.next_wall, "
    "next_business_seconds = n.next_business FROM (SELECT id, "
    "LEAD(at) OVER w AS next_at, LEAD(wall_seconds) OVER w AS next_wall, "
    "LEAD(business_seconds) OVER w AS next_business FROM insights_transition "
    "WINDOW w AS (PARTITION BY stream, object_id ORDER BY at, id)) n "
    "WHERE n.id = insights_transition.id AND n.next_at IS NOT NULL"
)


def transition_next_backfill() -> int:
    """Link every transition to its object's next one (`next_*`), set-based; returns rows updated."""
    with connection.cursor() as cursor:
        cursor.execute(NEXT_BACKFILL_SQL)
        return int(cursor.rowcount)


def _latest(keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], _Previous]:
    """The latest transition of each (stream, object id): one query."""
    wanted = set(keys)
    if not wanted:
        return {}
    condition = Q()
    for stream in {s for s, _ in wanted}:
        condition |= Q(stream=stream, object_id__in=[o for s, o in wanted if s == stream])
    rows = Transition.objects.filter(condition).values_list(
        "stream", "object_id", "at", "business_clock", "party", "pk"
    )
    # One object: only its latest row is read.
    rows = rows.order_by("-at", "-id")[:1] if len(wanted) == 1 else rows.order_by("at", "id")
    out: dict[tuple[str, int], _Previous] = {}
    for stream, object_id, at, value, party, pk in rows:
        out[(stream, object_id)] = (at, value, party, pk)
    return out


def transition_record(
    *,
    stream: str,
    obj: Model,
    from_state: str,
    to_state: str,
    at: datetime | None = None,
    service: Service | None = None,
    service_id: int | None = None,
    party: str = "",
    kind: str = "",
    opened_at: datetime | None = None,
    opened_state: str = "",
    first: bool = False,
    with_audit: bool = False,
) -> list[Transition]:
    """Log one state change of `obj` (one SELECT of its previous transition, one INSERT).

    When the object has no transition yet and `opened_at` is given, its creation (∅ → `opened_state`,
    default `from_state`) is logged first, in the same INSERT. `first=True`: the caller knows there is
    no earlier transition (the object was created in this transaction), so nothing is read.
    `with_audit=True`: the rows are written with the audit batch's entries (audit.add_rows), for a
    caller that logs no other transition of the object in its transaction."""
    rows = []
    previous = {} if first else _latest([(stream, obj.pk)])
    if (stream, obj.pk) not in previous and opened_at is not None:
        rows.append(
            _row(
                stream=stream,
                obj=obj,
                service=service,
                service_id=service_id,
                kind=kind,
                from_state="",
                to_state=opened_state or from_state,
                at=opened_at,
                party=party,
            )
        )
    rows.append(
        _row(
            stream=stream,
            obj=obj,
            service=service,
            service_id=service_id,
            kind=kind,
            from_state=from_state,
            to_state=to_state,
            at=at,
            party=party,
        )
    )
    _link_stored(_stamp(rows, previous))
    if with_audit:
        for row in rows:
            db.prepare_insert(row)
        audit.add_rows(rows)
        return rows
    return Transition.objects.bulk_create(rows)


def transition_record_bulk(rows: list[dict[str, Any]], *, first: bool = False) -> list[Transition]:
    """Log many state changes at once: one SELECT of the objects' previous transitions (none with
    `first=True`) and one INSERT. Each row takes transition_record's arguments (obj or object_id +
    reference); rows of one object must be in time order."""
    built = [_row(**row) for row in rows]
    built.sort(key=lambda r: r.at)
    previous = {} if first else _latest((r.stream, r.object_id) for r in built)
    _link_stored(_stamp(built, previous))
    return Transition.objects.bulk_create(built, batch_size=1000)


# Thin helpers for the apps that log transitions: one call each at their status changes.


def _ticket_stream(ticket: Ticket) -> str:
    return Stream.REQUEST if ticket.ticket_type == "request" else Stream.TICKET


def ticket_party(ticket: Ticket) -> str:
    """The assignment group (internal team or supplier queue) holding a ticket, as a label."""
    group = ticket.assignment_group
    if group is None:
        return ""
    supplier = group.supplier if group.supplier_id else None
    return f"{supplier.name}: {group.name}" if supplier and supplier.name not in group.name else group.name


def record_ticket(ticket: Ticket, from_state: str, to_state: str, *, at: datetime | None = None) -> None:
    """Log a ticket's status change (or its opening, with from_state "")."""
    transition_record(
        stream=_ticket_stream(ticket),
        obj=ticket,
        from_state=from_state,
        to_state=to_state,
        at=at,
        service_id=ticket.service_id,
        party=ticket_party(ticket),
        kind=ticket.ticket_type,
        opened_at=ticket.opened_at if from_state else None,
        first=not from_state,
    )


def record_ticket_assigned(ticket: Ticket, *, at: datetime | None = None) -> None:
    """Log a hand-off of a ticket to another group (its status stays)."""
    record_ticket(ticket, ticket.status, ticket.status, at=at)


def record_change(
    change: Change,
    from_state: str,
    to_state: str,
    *,
    service_id: int | None = None,
    first: bool = False,
    with_audit: bool = False,
) -> None:
    """Log a change's status change; its primary service is the most critical one."""
    if service_id is None:
        service_id = change.services.order_by("criticality", "pk").values_list("pk", flat=True).first()
    transition_record(
        stream=Stream.CHANGE,
        obj=change,
        from_state=from_state,
        to_state=to_state,
        service_id=service_id,
        kind=change.change_type,
        opened_at=change.created_at,
        first=first,
        with_audit=with_audit,
    )


def record_deployment(
    deployment: Deployment, from_state: str, to_state: str, *, at: datetime | None = None
) -> None:
    """Log a deployment's result (its opening is logged with it when it has no transition yet)."""
    transition_record(
        stream=Stream.DEPLOYMENT,
        obj=deployment,
        from_state=from_state,
        to_state=to_state,
        at=at or deployment.finished_at,
        service_id=deployment.service_id,
        kind=deployment.environment,
        opened_at=getattr(deployment, "started_at", None) or deployment.created_at,
    )


# --- DORA facts: first deployment of each commit, deployment of each incident ------------------------

# Rows saved up to this long before a refresh started are looked at again by the next one (a transaction
# still open while a refresh runs commits rows stamped before it).
FACTS_OVERLAP = timedelta(minutes=1)
_CHUNK = 2000

_LEAD_INSERT = (
    "INSERT INTO insights_commitlead (commit_id, service_id, authored_at, deployed_at, lead_seconds) "
    "SELECT f.commit_id, f.service_id, f.authored_at, f.deployed_at, {lead} "
    "FROM (SELECT dc.commit_id, d.service_id, MIN(d.finished_at) AS deployed_at, "
    "MIN(c.authored_at) AS authored_at "
    "FROM {deployment_commit} dc JOIN {deployment} d ON d.id = dc.deployment_id "
    "JOIN {commit} c ON c.id = dc.commit_id "
    "WHERE d.environment = 'production' AND d.status = 'succeeded' AND d.finished_at IS NOT NULL{only} "
    "GROUP BY dc.commit_id, d.service_id) f ORDER BY f.commit_id, f.service_id"
)
# The latest successful production deployment of the incident's service finished by its opening.
_LATEST = (
    "SELECT d.id FROM {deployment} d WHERE d.service_id = t.service_id "
    "AND d.environment = 'production' AND d.status = 'succeeded' AND d.finished_at <= t.opened_at "
    "ORDER BY d.finished_at DESC, d.id DESC LIMIT 1"
)
_ATTRIBUTION_INSERT = (
    f"INSERT INTO insights_incidentattribution (ticket_id, deployment_id) SELECT t.id, ({_LATEST}) "
    "FROM {ticket} t WHERE t.ticket_type = 'incident'{only} ORDER BY t.id"
)


def _sources() -> dict[str, str]:
    """The other apps' relations the fact statements read, by their placeholder names."""
    return {
        "deployment": sources.deployment(),
        "deployment_commit": sources.deployment_commit(),
        "commit": sources.commit(),
        "ticket": sources.ticket(),
    }


def _chunks(ids: list[int]) -> Iterator[tuple[list[int], str]]:
    for i in range(0, len(ids), _CHUNK):
        part = ids[i : i + _CHUNK]
        yield part, ", ".join(["%s"] * len(part))


@transaction.atomic
def dora_facts_refresh(*, full: bool = False) -> dict[str, int]:
    """Bring the DORA facts (CommitLead, IncidentAttribution) up to date with the deployments, deployment
    commits and incidents; returns how many commits and incidents were (re)computed.

    `full` (or the first run) recomputes everything in two set-based statements. Otherwise only what
    changed since the last refresh: commits linked since, or contained in deployments saved since;
    incidents saved since, or without a row, or opened after the finish of a production deployment of
    their service saved since (a deployment reported late, or whose status changed). The metrics call
    this before they read the facts, so the figures never lag the records; `bimodal insights-backfill`
    runs it in full. Rows changed by bulk SQL that leaves `updated_at` alone are only seen by a full run."""

    started = timezone.now()
    with sql.tuned() if full else nullcontext():  # a full rebuild sorts millions of rows
        return _facts_refresh(full=full, started=started, sql=sql)


def _facts_refresh(*, full: bool, started: datetime, sql: ModuleType) -> dict[str, int]:
    mark = FactsMark.objects.select_for_update().filter(name="dora").first()
    if mark is None:
        mark = FactsMark.objects.create(name="dora")
        mark = FactsMark.objects.select_for_update().get(name="dora")
    lead = f"{sql.epoch('f.deployed_at')} - {sql.epoch('f.authored_at')}"
    counts = {"commits": 0, "incidents": 0}
    relations = _sources()
    with connection.cursor() as cursor:
        if full or mark.changed_after is None:
            top = DeploymentCommit.objects.aggregate(top=Max("id"))["top"] or 0
            clear = "TRUNCATE" if connection.vendor == "postgresql" else "DELETE FROM"
            cursor.execute(f"{clear} insights_commitlead")
            cursor.execute(_LEAD_INSERT.format(lead=lead, only="", **relations))
            counts["commits"] = cursor.rowcount
            cursor.execute(f"{clear} insights_incidentattribution")
            cursor.execute(_ATTRIBUTION_INSERT.format(only="", **relations))
            counts["incidents"] = cursor.rowcount
        else:
            since = sql.param(mark.changed_after)
            # Production deployments saved since (no index on updated_at: one scan, few rows).
            changed = list(
                Deployment.objects.filter(
                    updated_at__gt=mark.changed_after, environment=Environment.PRODUCTION
                )
                .order_by()
                .values_list("id", "service_id", "finished_at")
            )
            links = list(
                DeploymentCommit.objects.filter(id__gt=mark.last_link_id)
                .order_by()
                .values_list("id", "commit_id")
            )
            top = max([mark.last_link_id, *(i for i, _ in links)])
            linked = {c for _, c in links}
            for part, _marks in _chunks([d for d, _, _ in changed]):
                linked.update(
                    DeploymentCommit.objects.filter(deployment_id__in=part)
                    .order_by()
                    .values_list("commit_id", flat=True)
                    .distinct()
                )
            commits = sorted(linked)
            for part, marks in _chunks(commits):
                cursor.execute(f"DELETE FROM insights_commitlead WHERE commit_id IN ({marks})", part)
                cursor.execute(
                    _LEAD_INSERT.format(lead=lead, only=f" AND dc.commit_id IN ({marks})", **relations), part
                )
            # Incidents opened after the earliest finish among a service's changed deployments.
            earliest: dict[int, datetime] = {}
            for _, service_id, finished_at in changed:
                if finished_at is not None and (
                    service_id not in earliest or finished_at < earliest[service_id]
                ):
                    earliest[service_id] = finished_at
            after = " OR ".join(["(t.service_id = %s AND t.opened_at >= %s)"] * len(earliest)) or "1 = 0"
            cursor.execute(
                f"SELECT t.id FROM {relations['ticket']} t WHERE t.ticket_type = 'incident' "
                f"AND (t.updated_at > %s OR {after}) "
                f"UNION SELECT t.id FROM {relations['ticket']} t LEFT JOIN insights_incidentattribution a "
                "ON a.ticket_id = t.id WHERE t.ticket_type = 'incident' AND a.ticket_id IS NULL",
                [since, *[p for s, at in earliest.items() for p in (s, sql.param(at))]],
            )
            incidents = sorted(r[0] for r in cursor.fetchall())
            for part, marks in _chunks(incidents):
                cursor.execute(f"DELETE FROM insights_incidentattribution WHERE ticket_id IN ({marks})", part)
                cursor.execute(_ATTRIBUTION_INSERT.format(only=f" AND t.id IN ({marks})", **relations), part)
            counts = {"commits": len(commits), "incidents": len(incidents)}
            if not (changed or links or incidents):
                return counts  # nothing changed: the mark stays (the next look covers the same span)
    mark.changed_after = started - FACTS_OVERLAP
    mark.last_link_id = top
    mark.save()
    return counts


# --- maturity assessment -----------------------------------------------------------------------------

DEFAULT_AREAS = [
    # (name, mode, default target, description)
    ("Change enablement", "mode-1", 4, "Risk-based change approval, CAB, windows and freezes."),
    ("Incident management", "both", 4, "Detection, response, major incidents, restoration."),
    ("Problem management", "mode-1", 3, "Root causes, known errors and their removal."),
    ("Service level management", "mode-1", 4, "Agreed targets, SLA clocks, reporting and review."),
    ("Release & deployment", "both", 4, "Repeatable releases, deployment records, rollback."),
    ("CI/CD automation", "mode-2", 4, "Pipelines, automated tests, the deployment gate, deploy on demand."),
    ("Observability", "mode-2", 4, "Monitoring, alerting and tracing that find failures before customers."),
    ("Supplier management", "mode-1", 3, "Contracts, supplier SLAs, scorecards and hand-offs."),
    ("Portfolio governance", "both", 3, "Mode classification, reclassification and investment decisions."),
    ("Product & agile delivery", "mode-2", 4, "Product teams, backlogs, small batches, build-it-run-it."),
]


@transaction.atomic
def capability_area_create(
    *,
    actor: User | None,
    name: str,
    slug: str = "",
    description: str = "",
    mode: str = MaturityMode.BOTH,
    default_target: int = 3,
    order: int = 0,
    active: bool = True,
) -> CapabilityArea:
    """Add a capability area to the maturity audit."""
    if actor is not None:
        require_perm(actor, "insights.add_capabilityarea")
    area = CapabilityArea(
        name=name,
        slug=slug or unique_slug(CapabilityArea, name),
        description=description,
        mode=mode,
        default_target=default_target,
        order=order,
        active=active,
    )
    return create_audited(area, actor=actor, verb=AuditVerb.CAPABILITY_AREA_CREATE)


def capability_areas_seed(*, actor: User | None = None) -> int:
    """Create the default two-speed ITSM capability areas that do not exist yet; returns how many."""
    existing = set(CapabilityArea.objects.values_list("name", flat=True))
    created = 0
    for order, (name, mode, target, description) in enumerate(DEFAULT_AREAS):
        if name not in existing:
            capability_area_create(
                actor=actor, name=name, mode=mode, default_target=target, description=description, order=order
            )
            created += 1
    return created


def _clean_scores(scores: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors: list[str] = []
    seen: set[int] = set()
    out: list[dict[str, Any]] = []
    for i, item in enumerate(scores, 1):
        area = item.get("area")
        if not isinstance(area, CapabilityArea):
            errors.append(f"Line {i}: choose a capability area.")
            continue
        if area.pk in seen:
            errors.append(f"{area}: scored twice.")
        seen.add(area.pk)
        score, target = item.get("score"), item.get("target") or area.default_target
        for label, value in (("score", score), ("target", target)):
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
                errors.append(f"{area}: the {label} is a whole number from 1 to 5.")
        out.append(
            {"area": area, "score": score, "target": target, "evidence": item.get("evidence", "") or ""}
        )
    if not out and not errors:
        errors.append("Score at least one capability area.")
    if errors:
        raise ValidationError({"scores": errors})
    return out


@transaction.atomic
def maturity_assessment_record(
    *,
    actor: User,
    org_unit: OrgUnit,
    scores: list[dict[str, Any]],
    assessed_on: date | None = None,
    notes: str = "",
) -> MaturityAssessment:
    """Record an audit of an org unit: a score (1–5), target and evidence per capability area."""
    require_perm(actor, "insights.add_maturityassessment")
    require_object(actor, "view", org_unit)
    cleaned = _clean_scores(scores)
    assessment = MaturityAssessment(
        org_unit=org_unit, assessed_by=actor, assessed_on=assessed_on or timezone.localdate(), notes=notes
    )
    try:
        assessment.validate_constraints()
    except ValidationError:
        raise ValidationError(
            {"assessed_on": f"{org_unit} already has an assessment on {assessment.assessed_on}."}
        ) from None
    create_audited(assessment, actor=actor, verb=AuditVerb.MATURITY_ASSESSMENT_RECORD)
    for item in cleaned:
        create_audited(
            MaturityScore(assessment=assessment, **item), actor=actor, verb=AuditVerb.MATURITY_SCORE_RECORD
        )
    return assessment


@transaction.atomic
def maturity_assessment_update(
    *,
    actor: User,
    assessment: MaturityAssessment,
    scores: list[dict[str, Any]] | None = None,
    notes: str | None = None,
) -> MaturityAssessment:
    """Change an assessment's scores (areas given are set, others kept) or notes."""
    require_perm(actor, "insights.change_maturityassessment")
    require_object(actor, "change", assessment)
    if notes is not None:
        assessment = update_audited(
            assessment, actor=actor, fields={"notes": notes}, verb=AuditVerb.MATURITY_ASSESSMENT_UPDATE
        )
    for item in _clean_scores(scores) if scores else []:
        row = assessment.scores.filter(area=item["area"]).first()
        if row is None:
            create_audited(
                MaturityScore(assessment=assessment, **item),
                actor=actor,
                verb=AuditVerb.MATURITY_SCORE_RECORD,
            )
        else:
            fields = {k: item[k] for k in ("score", "target", "evidence")}
            update_audited(row, actor=actor, fields=fields, verb=AuditVerb.MATURITY_SCORE_UPDATE)
    return assessment
