"""Reads of the governance app: RACI grids, decision requests, meetings and the "minimum viable
bureaucracy" report (set-based: aggregates and window functions, a fixed number of queries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypedDict

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Model,
    Q,
    QuerySet,
    When,
)

from bimodal.core import stats
from bimodal.core.models import Actor, OrgUnit, Team, User
from bimodal.core.roles import Role
from bimodal.governance import engine, profiles, registry, routing
from bimodal.governance.choices import DecisionStatus, GovernanceModelText, Raci
from bimodal.governance.models import (
    DecisionRequest,
    DecisionRight,
    DecisionType,
    Forum,
    Meeting,
    Policy,
)
from bimodal.portfolio.models import Mode

GRID_ROLES = (
    Role.GOVERNANCE_LEAD,
    Role.CHANGE_MANAGER,
    Role.CAB_MEMBER,
    Role.SERVICE_OWNER,
    Role.PRODUCT_TEAM_MEMBER,
)


# --- RACI grid -----------------------------------------------------------------------------------------


@dataclass
class GridColumn:
    """A party column of the RACI grid."""

    token: str
    label: str
    group: str


class GridCell(TypedDict):
    """One cell of the RACI grid: its form field name, its column, the unit's letter and the default."""

    name: str
    token: str
    value: str
    default: str


class RightsGrid(TypedDict):
    columns: list[GridColumn]
    rows: list[GridRow]
    letters: list[str]


class UnitRoute(TypedDict):
    decision_type: DecisionType
    below: routing.Route
    above: routing.Route | None


class UnitGovernance(TypedDict):
    unit: OrgUnit
    explain: str
    routes: list[UnitRoute]


@dataclass
class GridRow:
    """A decision type row: for each column the unit's letter and the organisation-wide default."""

    decision_type: DecisionType
    cells: list[GridCell] = field(default_factory=list)
    overridden: bool = False


def rights_grid(*, user: Actor, org_unit: OrgUnit | None) -> RightsGrid:
    """The RACI grid of a unit (None: the organisation-wide defaults) in a fixed number of queries."""
    types = list(DecisionType.objects.restrict(user, "view").order_by("order", "name"))
    forums = list(Forum.objects.order_by("name"))
    columns = [GridColumn(f"role:{r.value}", r.label, "Roles") for r in GRID_ROLES]
    columns += [GridColumn(f"forum:{f.slug}", f.name, "Forums") for f in forums]
    if org_unit is not None:
        teams = Team.objects.filter(org_unit=org_unit).order_by("name")
        columns += [GridColumn(f"team:{t.slug}", t.name, "Teams") for t in teams]
    columns.append(GridColumn("head", "Head of the unit", "Unit"))
    rights = DecisionRight.objects.restrict(user, "view").select_related("decision_type", "forum", "team")
    scope = Q(org_unit__isnull=True) if org_unit is None else Q(org_unit=org_unit) | Q(org_unit__isnull=True)
    own: dict[tuple[str, str], str] = {}
    defaults: dict[tuple[str, str], str] = {}
    for right in rights.filter(scope):
        target = defaults if right.org_unit_id is None else own
        target[(right.decision_type.key, right.party)] = right.raci
    known = {c.token for c in columns}
    # Rights naming a team of another unit (organisation-wide defaults) still get a column.
    for _, token in [*own, *defaults]:
        if token not in known:
            known.add(token)
            columns.append(GridColumn(token, token.partition(":")[2] or token, "Other"))
    rows: list[GridRow] = []
    for dtype in types:
        overridden = org_unit is not None and any(k[0] == dtype.key for k in own)
        row = GridRow(decision_type=dtype, overridden=overridden)
        for column in columns:
            key = (dtype.key, column.token)
            row.cells.append(
                {
                    "name": f"cell__{dtype.key}__{column.token}",
                    "token": column.token,
                    "value": own.get(key, "") if org_unit is not None else defaults.get(key, ""),
                    "default": defaults.get(key, ""),
                }
            )
        rows.append(row)
    return {"columns": columns, "rows": rows, "letters": Raci.values}


def unit_governance(*, org_unit: OrgUnit) -> UnitGovernance:
    """What the unit's governance model does: per decision type, the route below and above its threshold."""
    explain = GovernanceModelText.get(org_unit.governance_model, "")
    routes: list[UnitRoute] = []
    for dtype in DecisionType.objects.order_by("order", "name"):
        below = routing.route(decision_type=dtype, org_unit=org_unit)
        above = None
        if dtype.spend_threshold is not None:
            above = routing.route(
                decision_type=dtype, org_unit=org_unit, amount=dtype.spend_threshold + Decimal("1")
            )
        routes.append({"decision_type": dtype, "below": below, "above": above})
    return {"unit": org_unit, "explain": explain, "routes": routes}


def decisions_for(subject: Model, decision_type: str | None = None) -> QuerySet[DecisionRequest]:
    """Decision requests about `subject` (any app's object), newest first."""
    qs = DecisionRequest.objects.filter(
        content_type=ContentType.objects.get_for_model(subject, for_concrete_model=True), object_id=subject.pk
    ).select_related("decision_type", "forum", "meeting", "decided_by", "requested_by")
    if decision_type:
        qs = qs.filter(decision_type__key=decision_type)
    return qs.order_by("-requested_at", "-pk")


def latest_decision_for(subject: Model, decision_type: str | None = None) -> DecisionRequest | None:
    """The newest decision request about `subject`, or None."""
    return decisions_for(subject, decision_type).first()


def open_decision_for(subject: Model) -> DecisionRequest | None:
    """The pending decision request about `subject`, or None."""
    return decisions_for(subject).filter(status=DecisionStatus.PENDING).first()


def request_list(*, user: Actor) -> QuerySet[DecisionRequest]:
    """Decision requests the user can see, with what a list shows."""
    return DecisionRequest.objects.restrict(user, "view").with_related()


def pending_for_forum(forum: Forum) -> QuerySet[DecisionRequest]:
    """Pending requests routed to a forum."""
    return DecisionRequest.objects.pending().filter(forum=forum).with_related().order_by("requested_at", "pk")


def meetings_of(*, user: Actor, forum: Forum) -> QuerySet[Meeting]:
    """A forum's meetings, newest first, with agenda and attendance counts."""
    return (
        Meeting.objects.restrict(user, "view")
        .filter(forum=forum)
        .annotate(
            item_count=Count("agenda_items", distinct=True), attendee_count=Count("attendees", distinct=True)
        )
        .order_by("-scheduled_for", "-pk")
    )


# --- minimum viable bureaucracy ------------------------------------------------------------------------


@dataclass
class ReportRow:
    """Approval steps and lead time for one decision type in one mode."""

    source: str
    decision_type: str
    decision_label: str
    mode: str
    mode_label: str
    requests: int = 0
    decided: int = 0
    mean_steps: float | None = None
    median_steps: float | None = None
    median_lead: timedelta | None = None
    p90_lead: timedelta | None = None

    @property
    def median_lead_hours(self) -> float | None:
        return None if self.median_lead is None else round(self.median_lead.total_seconds() / 3600, 2)

    @property
    def p90_lead_hours(self) -> float | None:
        return None if self.p90_lead is None else round(self.p90_lead.total_seconds() / 3600, 2)


def report_figures(
    queryset: QuerySet[Any], group: tuple[str, ...], *, steps: str, lead: str
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Per group: the median number of approval steps and the median and 90th percentile lead time
    (interpolated between closest ranks, as PostgreSQL's percentile_cont), picked by window functions so
    that only the rows each figure needs leave the database (two queries)."""
    figures: dict[tuple[Any, ...], dict[str, Any]] = {}
    for key, ps in stats.percentiles(queryset, steps, group, ps=(stats.MEDIAN,)).items():
        figures.setdefault(key, {})["median_steps"] = ps[stats.MEDIAN]
    decided = queryset.filter(**{f"{lead}__isnull": False})
    for key, ps in stats.percentiles(decided, lead, group, ps=(stats.MEDIAN, stats.P90)).items():
        slot = figures.setdefault(key, {})
        slot["median_lead"] = timedelta(seconds=ps[stats.MEDIAN])
        slot["p90_lead"] = timedelta(seconds=ps[stats.P90])
    return figures


def _request_rows(requests: QuerySet[DecisionRequest]) -> list[ReportRow]:
    """Rows from decision requests: 3 queries whatever the number of requests."""
    totals = (
        requests.values("decision_type__key", "decision_type__name", "mode__key", "mode__short_name")
        .annotate(
            n=Count("pk"),
            decided=Count("pk", filter=Q(status__in=[DecisionStatus.APPROVED, DecisionStatus.REJECTED])),
            mean_steps=Avg("step_count"),
        )
        .order_by("decision_type__order", "decision_type__key", "mode__order", "mode__key")
    )
    figures = report_figures(
        requests.annotate(
            _lead=ExpressionWrapper(
                Case(
                    When(
                        status__in=[DecisionStatus.APPROVED, DecisionStatus.REJECTED],
                        then=F("decided_at") - F("requested_at"),
                    ),
                ),
                output_field=DurationField(),
            )
        ),
        ("decision_type__key", "mode__key"),
        steps="step_count",
        lead="_lead",
    )
    rows = []
    for t in totals:
        key = (t["decision_type__key"], t["mode__key"])
        rows.append(
            ReportRow(
                source="requests",
                decision_type=t["decision_type__key"],
                decision_label=t["decision_type__name"],
                mode=t["mode__key"] or "",
                mode_label=t["mode__short_name"] or "No mode",
                requests=t["n"],
                decided=t["decided"],
                mean_steps=round(float(t["mean_steps"]), 2) if t["mean_steps"] is not None else None,
                **figures.get(key, {}),
            )
        )
    return rows


def bureaucracy_report(*, user: User | AnonymousUser, include_changes: bool = True) -> list[ReportRow]:
    """The "minimum viable bureaucracy" report: per decision type and mode, how many requests, how many
    approval steps (mean, median) and how long from request to decision (median, 90th percentile)."""
    rows = _request_rows(DecisionRequest.objects.restrict(user, "view"))
    if include_changes:
        for permission, provider in registry.report_sources():
            if user.has_perm(permission):
                rows += provider()
    return rows


def _approver(policy: Policy) -> str:
    if policy.approver_forum is not None:
        return policy.approver_forum.name
    return Role(policy.approver_role).label if policy.approver_role else ""


def mode_governance(*, user: User | AnonymousUser, mode: Mode) -> list[dict[str, Any]]:
    """The current, enabled policies the user may see that apply to a change of `mode`, in the order the
    engine runs them, each with where it comes from (the mode's profile, every mode, or hand-written)
    and where a hand-written one contradicts the profile."""
    rows: list[dict[str, Any]] = []
    policies = (
        Policy.objects.restrict(user, "view")
        .filter(is_current=True, enabled=True)
        .select_related("approver_forum")
        .order_by("priority", "key")
    )
    generated = profiles.profile_set(mode)
    for policy in policies:
        if policy.modes and mode.key not in policy.modes:
            continue
        if policy.policy_set == generated:
            source = "profile"
        elif policy.policy_set.startswith(profiles.PROFILE_SET_PREFIX):
            continue  # another mode's generated policy scoped to this mode by hand: not this profile's
        else:
            source = "every mode" if not policy.modes else "hand-written"
        rows.append(
            {
                "key": policy.key,
                "name": policy.name,
                "version": policy.version,
                "effect": policy.effect,
                "effect_label": policy.get_effect_display(),
                "change_types": list(policy.change_types or ()),
                "expression": policy.expression,
                "message": policy.message,
                "approver": _approver(policy),
                "source": source,
                "url": policy.get_absolute_url(),
                "contradictions": profiles.contradictions(policy, mode),
            }
        )
    return rows


def policy_contradictions(policy: Policy) -> list[str]:
    """Where a hand-written policy contradicts the profile of a mode it applies to (every mode if unscoped)."""
    modes = Mode.objects.all() if not policy.modes else Mode.objects.filter(key__in=policy.modes)
    return [
        text for mode in modes.order_by("order", "name") for text in profiles.contradictions(policy, mode)
    ]


def mode_try(
    *,
    mode: Mode,
    change_type: str,
    source: str,
    risk_score: int,
    tests_passed: bool,
    security_scan: bool,
    in_window: bool,
    in_freeze: bool,
    off_train: bool = False,
) -> dict[str, Any]:
    """The real engine's decision, over the current policies, for a sample change of a service of `mode`
    (the policy pages' sample service in that mode; `off_train`: not on a release date of the mode's
    train); nothing is written."""
    base = engine.sample_context()
    level = (
        "very_high"
        if risk_score >= 75
        else "high"
        if risk_score >= 50
        else "medium"
        if risk_score >= 25
        else "low"
    )
    change = {
        **base["change"],
        "type": change_type,
        "source": source,
        "risk_score": risk_score,
        "risk_level": level,
        "in_window": in_window,
        "in_freeze": in_freeze,
        "on_release_date": not off_train,
        # The sample standard change is raised from an approved template of the catalogue.
        "template_approved": change_type == "standard",
    }
    evidence = {
        **base["evidence"],
        "tests_passed": tests_passed,
        "security_scan": "pass" if security_scan else "fail",
    }
    context = {"change": change, "service": {**base["service"], "mode": mode.key}, "evidence": evidence}
    return engine.evaluate(context, engine.current_policies()).to_dict()
