"""Demo delivery data for Northbridge Bank: a dozen demands (drafts, submitted, approved at a portfolio
board meeting, one rejected), waterfall initiatives in Mode 1 with phases, gates and milestones, agile
initiatives in Mode 2 with epics, stories, sprints and velocity, budgets per mode, actuals, capacity and
allocations with one contention (the mobile squad is asked for more people than it has).

Idempotent and deterministic: demands by title, initiatives by name, budgets and capacity by their natural
keys; everything is written through the delivery and governance services."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from bimodal.core.models import OrgUnit, Team, User
from bimodal.delivery import selectors, services
from bimodal.delivery.choices import StoryStatus
from bimodal.delivery.models import Budget, CapacityAllocation, Demand, Initiative, TeamCapacity
from bimodal.demo.modes import EXPLORATORY, MIDDLE, STABLE, mode_at
from bimodal.governance.models import Forum, Meeting
from bimodal.portfolio.models import Service

# title, requester, unit, mode, service, team, class, value, urgency, fit, risk, cost, fte, outcome
DEMANDS = [
    (
        "Instant account opening",
        "pat",
        "digital-banking",
        EXPLORATORY,
        "mobile-banking-app",
        "mobile-banking-squad",
        "grow",
        5,
        4,
        5,
        2,
        450_000,
        3,
        "approved",
    ),
    (
        "Open banking premium APIs",
        "pat",
        "digital-banking",
        EXPLORATORY,
        None,
        "digital-channels",
        "grow",
        4,
        3,
        5,
        3,
        380_000,
        3,
        "approved",
    ),
    (
        "ISO 20022 payments migration",
        "owen",
        "technology",
        STABLE,
        "swift-gateway",
        "payments-engineering",
        "transform",
        4,
        5,
        4,
        4,
        1_600_000,
        4,
        "approved",
    ),
    (
        "Branch appointment booking",
        "rita",
        "retail-banking",
        EXPLORATORY,
        None,
        "digital-channels",
        "grow",
        3,
        2,
        3,
        2,
        120_000,
        1,
        "rejected",
    ),
    (
        "Chatbot mortgage assistant",
        "pat",
        "digital-banking",
        EXPLORATORY,
        None,
        "digital-channels",
        "grow",
        4,
        2,
        4,
        3,
        260_000,
        2,
        "submitted",
    ),
    (
        "Core banking database upgrade",
        "owen",
        "technology",
        STABLE,
        "core-banking",
        "core-banking-platform",
        "run",
        3,
        5,
        3,
        4,
        900_000,
        4,
        "submitted",
    ),
    (
        "Card tokenisation for wallets",
        "pat",
        "digital-banking",
        EXPLORATORY,
        None,
        "mobile-banking-squad",
        "grow",
        5,
        4,
        4,
        3,
        340_000,
        2,
        "submitted",
    ),
    (
        "Regulatory reporting automation",
        "rita",
        "finance",
        STABLE,
        None,
        "ledger-finance-systems",
        "run",
        3,
        4,
        3,
        2,
        500_000,
        2,
        "submitted",
    ),
    (
        "Payroll self-service app",
        "rita",
        "people-hr",
        EXPLORATORY,
        None,
        "hr-systems",
        "grow",
        2,
        2,
        2,
        2,
        90_000,
        1,
        "draft",
    ),
    (
        "Data lake cost optimisation",
        "owen",
        "technology",
        EXPLORATORY,
        None,
        "data-platform-team",
        "run",
        3,
        3,
        4,
        1,
        60_000,
        1,
        "draft",
    ),
    (
        "Trade finance portal",
        "rita",
        "corporate-banking",
        STABLE,
        None,
        None,
        "transform",
        4,
        2,
        3,
        5,
        2_400_000,
        5,
        "draft",
    ),
    (
        "Fraud model retraining pipeline",
        "owen",
        "technology",
        EXPLORATORY,
        None,
        "data-platform-team",
        "grow",
        4,
        4,
        4,
        2,
        180_000,
        2,
        "draft",
    ),
]

# name, owner, unit, team, service, start offset (days), length (days), gates to pass, budget
WATERFALL = [
    (
        "Core banking v12 upgrade",
        "owen",
        "technology",
        "core-banking-platform",
        "core-banking",
        -120,
        365,
        2,
        2_200_000,
    ),
    (
        "General ledger consolidation",
        "owen",
        "finance",
        "ledger-finance-systems",
        "general-ledger",
        -60,
        300,
        1,
        900_000,
    ),
]

AGILE_WORK = {
    # epics → stories (title, points); closed sprints done points
    "Instant account opening": (
        {
            "Identity verification": [
                ("Selfie liveness check", 8),
                ("Document scan", 5),
                ("Address lookup", 3),
            ],
            "Account set-up": [("Choose account type", 3), ("Instant IBAN", 5), ("Welcome pack", 2)],
            "Funding": [("Open banking top-up", 8), ("Card top-up", 5), ("First transfer nudge", 3)],
        },
        [18, 21, 16],
    ),
    "Open banking premium APIs": (
        {
            "Developer portal": [("Sandbox keys", 5), ("Usage dashboard", 8)],
            "Premium endpoints": [
                ("Bulk payments API", 13),
                ("Variable recurring payments", 8),
                ("Rate limits", 3),
            ],
        },
        [11, 14],
    ),
}

ENVELOPES = [
    (STABLE, "run", 12_000_000),
    (STABLE, "grow", 1_500_000),
    (STABLE, "transform", 5_000_000),
    (EXPLORATORY, "run", 1_200_000),
    (EXPLORATORY, "grow", 1_000_000),
    (EXPLORATORY, "transform", 800_000),
]

# A preset with a middle mode (trimodal, pace-layered) funds and staffs it too: the shared platforms.
MIDDLE_ENVELOPES = [
    (MIDDLE, "run", 2_500_000),
    (MIDDLE, "grow", 700_000),
]
MIDDLE_CAPACITY = [
    ("cloud-platform", MIDDLE, 5),
    ("data-platform-team", MIDDLE, 2),
]

# team, mode, fte supply
CAPACITY = [
    ("core-banking-platform", STABLE, 10),
    ("core-banking-platform", EXPLORATORY, 2),
    ("payments-engineering", STABLE, 8),
    ("ledger-finance-systems", STABLE, 7),
    ("mobile-banking-squad", EXPLORATORY, 6),
    ("digital-channels", EXPLORATORY, 7),
    ("data-platform-team", STABLE, 3),
    ("data-platform-team", EXPLORATORY, 4),
]
# team, mode, class, fte — running the services (not an initiative)
RUN_ALLOCATIONS = [
    ("core-banking-platform", STABLE, "run", 6),
    ("payments-engineering", STABLE, "run", 4),
    ("ledger-finance-systems", STABLE, "run", 3),
    (
        "mobile-banking-squad",
        EXPLORATORY,
        "run",
        4,
    ),  # with the onboarding initiative: more than the squad has
    ("digital-channels", EXPLORATORY, "run", 3),
    ("data-platform-team", EXPLORATORY, "run", 2),
]


def _board_meeting(board: Forum, users: dict):
    """The portfolio board's sitting of last week, where demands and stage gates are decided: one sitting,
    reused by every decision taken at it (not one identical sitting per initiative)."""
    from bimodal.governance import services as governance

    when = timezone.localtime(timezone.now() - timedelta(days=7)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    held = Meeting.objects.filter(forum=board, scheduled_for=when).first()
    if held is not None:
        return held
    attendees = [u for u in (board.chair, *board.members.all()) if u]
    return governance.meeting_create(
        actor=users["gloria"], forum=board, scheduled_for=when, attendees=attendees
    )


def _demands(actor, users, units, teams, modes, services_by_slug, counts) -> None:
    from bimodal.governance import services as governance

    board = Forum.objects.filter(kind="portfolio_board").order_by("pk").first()
    meeting = None
    today = timezone.localdate()
    for row in DEMANDS:
        title, requester, unit, mode, service, team, klass, value, urgency, fit, risk, cost, fte, outcome = (
            row
        )
        if Demand.objects.filter(title=title).exists() or requester not in users or unit not in units:
            continue
        demand = services.demand_create(
            actor=users[requester],
            title=title,
            description=f"{title} — raised by {users[requester]}.",
            org_unit=units[unit],
            mode=modes[mode],
            service=services_by_slug.get(service),
            team=teams.get(team),
            investment_class=klass,
            value=value,
            urgency=urgency,
            strategic_fit=fit,
            risk=risk,
            cost_estimate=Decimal(cost),
            fte_estimate=Decimal(fte),
            desired_start=today - timedelta(days=45),
            desired_end=today + timedelta(days=240),
        )
        counts["demands"] += 1
        if outcome == "draft":
            continue
        demand = services.demand_submit(actor=users[requester], demand=demand)
        if outcome == "submitted":
            continue
        request = selectors.latest_decision_for(demand)
        decided_at_meeting = bool(request.forum_id) and board is not None
        if decided_at_meeting and meeting is None:
            meeting = _board_meeting(board, users)
        decider = users["gloria"] if decided_at_meeting else users["pat"]
        note = "Funded for this year." if outcome == "approved" else "Low strategic fit; revisit next year."
        governance.decision_record(
            actor=decider,
            request=request,
            outcome=outcome,
            note=note,
            meeting=meeting if decided_at_meeting else None,
        )


def _waterfall(actor, users, units, teams, modes, services_by_slug, counts) -> None:
    from bimodal.governance import services as governance

    today = timezone.localdate()
    board = Forum.objects.filter(kind="portfolio_board").order_by("pk").first()
    for name, owner, unit, team, service, offset, length, gates, budget in WATERFALL:
        if Initiative.objects.filter(name=name).exists() or unit not in units:
            continue
        start = today + timedelta(days=offset)
        initiative = services.initiative_create(
            actor=actor,
            name=name,
            approach="waterfall",
            mode=modes[STABLE],
            org_unit=units[unit],
            owner=users[owner],
            team=teams.get(team),
            services=[services_by_slug[service]] if service in services_by_slug else [],
            investment_class="transform",
            baseline_start=start,
            baseline_end=start + timedelta(days=length),
        )
        counts["initiatives"] += 1
        services.budget_set(
            actor=actor, fiscal_year=today.year, initiative=initiative, amount=Decimal(budget)
        )
        phases = list(initiative.phases.order_by("order"))
        meeting = None
        for phase in phases[:gates]:
            for criterion in phase.gate.criteria.all():
                services.criterion_set(
                    actor=users[owner], criterion=criterion, met=True, evidence="Signed off"
                )
            services.gate_submit(actor=users[owner], gate=phase.gate)
            request = selectors.latest_decision_for(phase.gate, services.APPROVE_STAGE_GATE)
            if request.forum_id and board is not None and meeting is None:
                meeting = _board_meeting(board, users)
            governance.decision_record(
                actor=users["gloria"],
                request=request,
                outcome="approved",
                note="Gate passed.",
                meeting=meeting,
            )
        for n, phase in enumerate(phases[gates - 1 : gates + 2] if gates else phases[:3]):
            slip = 21 if n == 1 else 0
            services.milestone_create(
                actor=users[owner],
                initiative=initiative,
                phase=phase,
                name=f"{phase.get_kind_display()} complete",
                baseline_date=phase.baseline_end,
                forecast_date=phase.baseline_end + timedelta(days=slip),
            )
        services.risk_create(
            actor=users[owner],
            initiative=initiative,
            title="Key supplier resources not available",
            probability=4,
            impact=4,
            mitigation="Named supplier engineers in the contract.",
        )
        months = max(1, (today - start).days // 30)
        for m in range(min(months, 6)):
            # Every month since the start, in whichever fiscal year it falls (January loads too).
            services.actual_record(
                actor=actor,
                period=(start + timedelta(days=30 * m)).replace(day=1),
                initiative=initiative,
                amount=(Decimal(budget) / 14).quantize(Decimal("0.01")),
                description="Supplier invoice",
            )


def _agile(actor, users, counts) -> None:
    today = timezone.localdate()
    for name, (epics, velocities) in AGILE_WORK.items():
        initiative = Initiative.objects.filter(name=name, approach="agile").first()
        if initiative is None or initiative.epics.exists():
            continue
        worker = (
            users["pat"]
            if initiative.team and initiative.team.members.filter(username="pat").exists()
            else actor
        )
        length = initiative.sprint_length_days
        first = today - timedelta(days=length * len(velocities) + 3)
        entered = timezone.make_aware(datetime.combine(first - timedelta(days=1), time(9, 0)))
        stories = []
        for title, items in epics.items():
            epic = services.epic_create(actor=worker, initiative=initiative, title=title)
            for story_title, points in items:
                stories.append(
                    services.story_create(
                        actor=worker,
                        initiative=initiative,
                        title=story_title,
                        points=points,
                        epic=epic,
                        at=entered,
                    )
                )
                counts["stories"] += 1
        pool = list(stories)
        for n, target in enumerate(velocities):
            sprint = services.sprint_create(
                actor=worker,
                initiative=initiative,
                name=f"Sprint {n + 1}",
                start=first + timedelta(days=length * n),
            )
            chosen, total = [], 0
            while pool and total < target:
                story = pool.pop(0)
                chosen.append(story)
                total += story.points
            for story in chosen:
                services.story_update(actor=worker, story=story, sprint=sprint)
            services.sprint_start(actor=worker, sprint=sprint)
            # Stories are picked up one after another during the sprint: ready on day one, then a day or
            # two in progress and half a day in review, so the board shows real cycle times.
            sprint_start = timezone.make_aware(datetime.combine(sprint.start, time(9, 0)))
            for i, story in enumerate(chosen[:-1] if len(chosen) > 1 else chosen):
                picked = sprint_start + timedelta(days=i)
                for column, hours in (
                    (StoryStatus.READY, 0),
                    (StoryStatus.IN_PROGRESS, 2),
                    (StoryStatus.REVIEW, 2 + 8 * story.points),
                    (StoryStatus.DONE, 6 + 8 * story.points),
                ):
                    at = min(picked + timedelta(hours=hours), timezone.now())
                    services.story_move(actor=worker, story=story, status=column, at=at)
            services.sprint_close(actor=worker, sprint=sprint)
            # The last story of each sprint is unfinished: it goes back to the top of the backlog.
            pool = ([chosen[-1]] if len(chosen) > 1 else []) + pool
            counts["sprints"] += 1
        current = services.sprint_create(
            actor=worker,
            initiative=initiative,
            name=f"Sprint {len(velocities) + 1}",
            start=today - timedelta(days=3),
        )
        for story in pool[:3]:
            services.story_update(actor=worker, story=story, sprint=current)
        services.sprint_start(actor=worker, sprint=current)
        if pool:
            services.story_move(actor=worker, story=pool[0], status=StoryStatus.IN_PROGRESS)
        counts["sprints"] += 1


def _money_and_people(actor, teams, modes, counts) -> None:
    year = timezone.localdate().year
    middle = MIDDLE in modes
    for mode, klass, amount in ENVELOPES + (MIDDLE_ENVELOPES if middle else []):
        if not Budget.objects.filter(mode=modes[mode], investment_class=klass, initiative=None).exists():
            services.budget_set(
                actor=actor,
                fiscal_year=year,
                mode=modes[mode],
                investment_class=klass,
                amount=Decimal(amount),
            )
            counts["budgets"] += 1
    from bimodal.delivery.models import Actual

    if not Actual.objects.filter(initiative=None).exists():
        # The last twelve months up to this one: the same history whatever the month of loading.
        months = [timezone.localdate().replace(day=1)]
        while len(months) < 12:
            months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
        for period in months:
            services.actual_record(
                actor=actor,
                period=period,
                mode=modes[STABLE],
                investment_class="run",
                amount=Decimal(950_000),
                description="Run costs: data centre, licences, operations",
            )
            services.actual_record(
                actor=actor,
                period=period,
                mode=modes[EXPLORATORY],
                investment_class="run",
                amount=Decimal(95_000),
                description="Cloud run costs",
            )
    for team, mode, fte in CAPACITY + (MIDDLE_CAPACITY if middle else []):
        if team in teams and not TeamCapacity.objects.filter(team=teams[team], mode=modes[mode]).exists():
            services.capacity_set(
                actor=actor, team=teams[team], fiscal_year=year, mode=modes[mode], fte=Decimal(fte)
            )
            counts["capacity"] += 1
    for team, mode, klass, fte in RUN_ALLOCATIONS:
        if (
            team in teams
            and not CapacityAllocation.objects.filter(
                team=teams[team], mode=modes[mode], investment_class=klass, initiative=None
            ).exists()
        ):
            services.allocation_set(
                actor=actor,
                team=teams[team],
                fiscal_year=year,
                mode=modes[mode],
                investment_class=klass,
                fte=Decimal(fte),
                note="Running the services",
            )
            counts["allocations"] += 1
    for initiative in Initiative.objects.filter(approach="waterfall", team__isnull=False):
        if not CapacityAllocation.objects.filter(initiative=initiative).exists():
            services.allocation_set(
                actor=actor, team=initiative.team, fiscal_year=year, initiative=initiative, fte=Decimal(4)
            )
            counts["allocations"] += 1


def load(*, actor) -> dict[str, int]:
    """Create what is missing of the delivery demo; return {kind: number created}."""
    counts = {
        "demands": 0,
        "initiatives": 0,
        "stories": 0,
        "sprints": 0,
        "budgets": 0,
        "capacity": 0,
        "allocations": 0,
    }
    users = {
        u.username: u for u in User.objects.filter(username__in=["gloria", "owen", "pat", "rita", "chris"])
    }
    if len(users) < 5:
        return counts
    units = {u.slug: u for u in OrgUnit.objects.all()}
    teams = {t.slug: t for t in Team.objects.all()}
    found = {place: mode_at(place) for place in (STABLE, EXPLORATORY)}
    modes = {place: mode for place, mode in found.items() if mode is not None}
    if len(modes) < 2:
        return counts
    middle = mode_at(MIDDLE)
    if middle is not None and middle not in modes.values():
        modes[MIDDLE] = middle
    services_by_slug = {s.slug: s for s in Service.objects.all()}
    before = Initiative.objects.count()
    _demands(actor, users, units, teams, modes, services_by_slug, counts)
    _waterfall(actor, users, units, teams, modes, services_by_slug, counts)
    counts["initiatives"] = Initiative.objects.count() - before
    _agile(actor, users, counts)
    _money_and_people(actor, teams, modes, counts)
    return counts
