"""Demo governance: decision rights (organisation-wide defaults and a few unit overrides), the portfolio
and architecture boards, a held CAB meeting with minutes, and decided and pending decision requests.

Idempotent: forums by slug, rights by (decision type, unit, party), requests by title, the CAB meeting by
its minutes. Decisions are opened and taken by the demo people who hold the rights (never by the person
who asked)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from bimodal.core.models import OrgUnit, User
from bimodal.demo.modes import EXPLORATORY, STABLE, mode_at
from bimodal.governance import services
from bimodal.governance.defaults import ensure_cab
from bimodal.governance.models import DecisionRequest, DecisionRight, Forum, Meeting

BOARDS = [
    {
        "slug": "portfolio-board",
        "name": "Portfolio Board",
        "kind": "portfolio_board",
        "quorum": 2,
        "cadence": "Monthly, first Thursday 14:00",
        "charter": "Approves demand, stage gates and spend above the threshold across both modes; balances "
        "run and grow budgets.",
        "chair": "gloria",
        "members": ["owen", "chris"],
    },
    {
        "slug": "architecture-board",
        "name": "Architecture Board",
        "kind": "architecture_board",
        "quorum": 2,
        "cadence": "Fortnightly, Wednesday 11:00",
        "charter": "Decides service reclassification between modes and architecture standards.",
        "chair": "gloria",
        "members": ["owen", "carla"],
    },
]

# (decision type, party, letter) — the organisation-wide defaults.
DEFAULT_RIGHTS = [
    ("approve_change", "forum:cab", "A"),
    ("approve_change", "role:change_manager", "R"),
    ("approve_change", "role:service_owner", "C"),
    ("approve_change", "role:product_team_member", "I"),
    ("approve_stage_gate", "forum:portfolio-board", "A"),
    ("approve_stage_gate", "role:service_owner", "R"),
    ("approve_stage_gate", "role:governance_lead", "C"),
    ("approve_spend", "role:governance_lead", "A"),
    ("approve_spend", "forum:portfolio-board", "C"),
    ("approve_spend", "role:service_owner", "R"),
    ("reclassify_service", "forum:architecture-board", "A"),
    ("reclassify_service", "role:governance_lead", "R"),
    ("reclassify_service", "role:service_owner", "C"),
    ("approve_demand", "forum:portfolio-board", "A"),
    ("approve_demand", "role:governance_lead", "R"),
    ("approve_demand", "role:product_team_member", "C"),
]

# (unit, decision type, party, letter) — units that decide differently.
UNIT_RIGHTS = [
    # Digital Banking (agile): the mobile squad decides its own changes and demand below the threshold.
    ("digital-banking", "approve_change", "team:mobile-banking-squad", "A"),
    ("digital-banking", "approve_change", "forum:cab", "I"),
    ("digital-banking", "approve_demand", "team:mobile-banking-squad", "R"),
    ("digital-banking", "approve_demand", "forum:portfolio-board", "C"),
    # Technology (centralised, head: gloria): stage gates are the portfolio board's, the head is consulted.
    ("technology", "approve_stage_gate", "forum:portfolio-board", "A"),
    ("technology", "approve_stage_gate", "head", "C"),
]


def _forums(actor: User, users: dict[str, User]) -> int:
    created = 0
    for spec in BOARDS:
        if Forum.objects.filter(slug=spec["slug"]).exists():
            continue
        fields = {k: v for k, v in spec.items() if k not in {"chair", "members"}}
        services.forum_create(
            actor=actor,
            chair=users.get(spec["chair"]),
            members=[users[n] for n in spec["members"] if n in users],
            **fields,
        )
        created += 1
    return created


def _rights(actor: User) -> int:
    units = {u.slug: u for u in OrgUnit.objects.all()}
    existing = {
        (r.decision_type.key, r.org_unit.slug if r.org_unit_id else None, r.party)
        for r in DecisionRight.objects.select_related("decision_type", "org_unit", "forum", "team")
    }
    cells: dict[str | None, dict[tuple[str, str], str]] = {}
    for key, party, letter in DEFAULT_RIGHTS:
        if (key, None, party) not in existing:
            cells.setdefault(None, {})[(key, party)] = letter
    for unit, key, party, letter in UNIT_RIGHTS:
        if unit in units and (key, unit, party) not in existing:
            cells.setdefault(unit, {})[(key, party)] = letter
    created = 0
    for unit, grid in cells.items():
        counts = services.decision_rights_save(
            actor=actor, org_unit=units.get(unit) if unit else None, cells=grid, reason="Demo decision rights"
        )
        created += counts["created"]
    return created


def _propose(users, spec) -> DecisionRequest | None:
    """A reclassification proposal: the portfolio opens its decision request, routed like any other."""
    from bimodal.portfolio import services as portfolio
    from bimodal.portfolio.models import ReclassificationProposal, Service

    service = Service.objects.filter(slug=spec["service"]).select_related("mode").first()
    target = mode_at(EXPLORATORY)
    if service is None or target is None or service.mode_id == target.pk:
        return None
    if ReclassificationProposal.objects.filter(service=service).exists():
        return None
    proposal = portfolio.proposal_create(
        actor=users[spec["by"]], service=service, to_mode=target, reason=spec["description"]
    )
    return portfolio.proposal_decision(proposal)


def _open(users, spec) -> DecisionRequest | None:
    if spec.get("service"):
        return _propose(users, spec)
    if DecisionRequest.objects.filter(title=spec["title"]).exists():
        return None
    unit = OrgUnit.objects.filter(slug=spec.get("unit")).first() if spec.get("unit") else None
    mode = mode_at(spec["mode"]) if spec.get("mode") else None
    return services.decision_request_open(
        actor=users[spec["by"]],
        decision_type=spec["type"],
        title=spec["title"],
        description=spec.get("description", ""),
        org_unit=unit,
        mode=mode,
        amount=Decimal(spec["amount"]) if spec.get("amount") else None,
        at=timezone.now() - timedelta(days=spec.get("days_ago", 0)),
    )


REQUESTS = [
    {
        "type": "approve_spend",
        "title": "Renew the mainframe support contract for three years",
        "by": "owen",
        "unit": "corporate-banking",
        "mode": STABLE,
        "amount": "180000",
        "days_ago": 12,
        "decided_after_hours": 52,
        "decide": ("gloria", "approved", "Within the run budget; renewal terms benchmarked."),
    },
    {
        "type": "approve_spend",
        "title": "Buy a second data-centre storage array",
        "by": "owen",
        "unit": "technology",
        "mode": STABLE,
        "amount": "420000",
        "days_ago": 5,
        "description": "Above the spend threshold: the portfolio board decides.",
    },
    {
        "type": "approve_demand",
        "title": "Instant card freeze in the mobile app",
        "by": "pat",
        "unit": "digital-banking",
        "mode": EXPLORATORY,
        "amount": "35000",
        "days_ago": 1,
        "description": "Below the threshold: the mobile squad decides for itself.",
    },
    {
        "type": "reclassify_service",
        "title": "Move Fraud Detection to Mode 2",
        "service": "fraud-detection",  # raised as a reclassification proposal, which opens the request
        "by": "owen",
        "unit": "technology",
        "mode": STABLE,
        "days_ago": 9,
        "description": "Deploys weekly with automated tests; the architecture board decides.",
    },
    {
        "type": "approve_change",
        "title": "Approve the quarterly core banking patch window",
        "by": "owen",
        "unit": "technology",
        "mode": STABLE,
        "days_ago": 10,
        "at_cab": ("carla", "approved", "Backout plan reviewed; within the Saturday window."),
    },
]

CAB_MINUTES_MARK = "Demo CAB meeting."


def _cab_meeting(users, cab: Forum, requests: dict[str, DecisionRequest]) -> int:
    """A CAB meeting held last week: agenda built, quorum met, a decision taken, minutes written."""
    if Meeting.objects.filter(forum=cab, minutes__startswith=CAB_MINUTES_MARK).exists():
        return 0
    chris, carla = users["chris"], users["carla"]
    when = (timezone.now() - timedelta(days=7)).replace(hour=10, minute=0, second=0, microsecond=0)
    meeting = services.meeting_create(actor=chris, forum=cab, scheduled_for=when, attendees=[chris, carla])
    services.meeting_build_agenda(actor=chris, meeting=meeting)
    meeting.refresh_from_db()
    for spec in REQUESTS:
        request = requests.get(spec["title"])
        if spec.get("at_cab") and request is not None and request.status == "pending" and meeting.quorum_met:
            who, outcome, note = spec["at_cab"]
            services.decision_record(
                actor=users[who], request=request, outcome=outcome, note=note, meeting=meeting, at=when
            )
    services.meeting_record_minutes(
        actor=chris,
        meeting=meeting,
        minutes=f"{CAB_MINUTES_MARK} Chair: Chris. Present: Chris, Carla (quorum 2 met).\n"
        "The quarterly core banking patch window was approved; changes awaiting the CAB were reviewed "
        "and voted on their own records.",
    )
    return 1


def load(*, actor) -> dict[str, int]:
    """Create what is missing of the governance demo data; return {kind: number created}."""
    services.decision_types_ensure(actor=actor)
    users = {
        u.username: u for u in User.objects.filter(username__in=["gloria", "owen", "chris", "carla", "pat"])
    }
    counts = {"forums": _forums(actor, users), "decision_rights": _rights(actor)}
    if len(users) < 5:
        return counts
    cab = ensure_cab(actor=actor)
    opened = 0
    requests: dict[str, DecisionRequest] = {}
    for spec in REQUESTS:
        request = _open(users, spec)
        if request is None:
            continue
        opened += 1
        requests[spec["title"]] = request
        if spec.get("decide"):
            who, outcome, note = spec["decide"]
            services.decision_record(
                actor=users[who],
                request=request,
                outcome=outcome,
                note=note,
                at=request.requested_at + timedelta(hours=spec.get("decided_after_hours", 0)),
            )
    counts["decision_requests"] = opened
    counts["meetings"] = _cab_meeting(users, cab, requests)
    return counts
