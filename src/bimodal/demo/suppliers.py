"""Demo data of suppliers: profiles, contracts with SLA targets and credits, a scorecard-worthy history of
Atlas tickets with hand-offs (some bounced, some breached), and an MSP evaluation with three candidates.

Idempotent: suppliers, categories and skills are looked up by slug, contracts by reference, history tickets by
title, the evaluation by slug. Closed history tickets sit in whole working weeks before the load and the open
ones a fixed working time back, so the scorecards are the same on any day; all written through the services."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from bimodal.core.calendars import Schedule, subtract_business_time
from bimodal.core.models import Team, User
from bimodal.core.services import create_audited
from bimodal.core.verbs import AuditVerb
from bimodal.demo.data import MSP
from bimodal.people import services as people_services
from bimodal.people.models import Skill
from bimodal.portfolio.models import Service
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.models import SupportSchedule, Ticket
from bimodal.suppliers import services
from bimodal.suppliers.models import Contract, MspEvaluation, Supplier, SupplierCategory

HISTORY = "[history]"
# The first history tickets are still open in Atlas' queue.
OPEN_IN_QUEUE = 3
CATEGORIES = ["Managed services", "Infrastructure", "Software", "Cloud", "Business process outsourcing"]
SKILLS = [
    ("cobol", "COBOL & mainframe", "engineering"),
    ("db2", "DB2 administration", "engineering"),
    ("batch-scheduling", "Batch scheduling (Control-M)", "operations"),
    ("incident-mgmt", "Major incident management", "operations"),
    ("kubernetes", "Kubernetes", "engineering"),
    ("terraform", "Terraform / IaC", "engineering"),
    ("observability", "Observability", "operations"),
]
PROFILES = {
    MSP: {
        "covers_24x7": True,
        "on_site_support": True,
        "remote_support": True,
        "regions": ["GB", "IE"],
        "categories": ["managed-services", "infrastructure"],
        "skills": ["cobol", "db2", "batch-scheduling", "incident-mgmt", "observability"],
    },
    "stratus-cloud": {
        "covers_24x7": True,
        "remote_support": True,
        "regions": ["EU"],
        "categories": ["cloud"],
        "skills": ["kubernetes", "terraform", "observability"],
    },
}
PROSPECTS = [
    (
        "northwind-infrastructure",
        "Northwind Infrastructure Services",
        "tier_1",
        {
            "covers_24x7": True,
            "on_site_support": False,
            "remote_support": True,
            "regions": ["GB"],
            "skills": ["cobol", "db2", "kubernetes", "terraform", "incident-mgmt"],
        },
        {"P1": 20, "P2": 30, "P3": 180},
        4,
        "2100000",
    ),
    (
        "kestrel-managed-it",
        "Kestrel Managed IT",
        "tactical",
        {
            "covers_24x7": False,
            "covers_extended_hours": True,
            "on_site_support": True,
            "remote_support": True,
            "regions": ["GB", "IE"],
            "skills": ["kubernetes", "terraform", "observability", "incident-mgmt"],
        },
        {"P1": 10, "P2": 20, "P3": 60},
        5,
        "1800000",
    ),
]
# priority: (response minutes, resolution minutes, response credit, resolution credit)
ATLAS_TARGETS = {
    "P1": (15, 240, "2000", "5000"),
    "P2": (30, 480, "1000", "2500"),
    "P3": (240, 1440, "250", "500"),
    "P4": (480, 2880, "100", "200"),
}
# (impact, urgency, response minutes, resolution minutes) cycled over the history tickets
PATTERN = [
    (3, 3, 45, 600),
    (2, 3, 120, 1300),
    (3, 2, 300, 2000),
    (1, 2, 20, 300),
    (2, 2, 200, 900),
    (3, 3, 500, 3100),
    (1, 1, 10, 200),
    (2, 3, 90, 1500),
    (3, 2, 60, 700),
    (2, 1, 25, 420),
]


def _history_starts(schedule: Schedule, now: datetime, count: int) -> list[datetime]:
    """Mondays and Wednesdays at 09:00 local, newest first from last week, in weeks whose five weekdays are
    all working days: each closed ticket's life (at most about 60 hours) then has the same working time
    whatever the day of loading, so the demo's breaches and scorecards do not move with holidays."""
    zone = timezone.get_current_timezone()
    today = timezone.localtime(now).date()
    monday = today - timedelta(days=today.weekday() + 7)
    starts: list[datetime] = []
    while len(starts) < count:
        if all(schedule.is_working_day(monday + timedelta(days=d)) for d in range(5)):
            for offset in (2, 0):
                starts.append(datetime.combine(monday + timedelta(days=offset), time(9), tzinfo=zone))
        monday -= timedelta(days=7)
    return starts[:count]


def _profiles(actor: User, created: Counter) -> dict[str, Skill]:
    have = set(SupplierCategory.objects.values_list("slug", flat=True))
    for name in CATEGORIES:
        slug = name.lower().replace(" ", "-")
        if slug not in have:
            create_audited(
                SupplierCategory(name=name, slug=slug), actor=actor, verb=AuditVerb.SUPPLIER_CATEGORY_CREATE
            )
            created["supplier_categories"] += 1
    existing = set(Skill.objects.values_list("slug", flat=True))
    for slug, name, area in SKILLS:
        if slug not in existing:
            people_services.skill_create(actor=actor, slug=slug, name=name, skill_area=area)
            created["skills"] += 1
    skills = {s.slug: s for s in Skill.objects.all()}
    categories = {c.slug: c for c in SupplierCategory.objects.all()}
    for slug, profile in PROFILES.items():
        supplier = Supplier.objects.filter(slug=slug).first()
        if supplier is None or supplier.skills.exists():
            continue
        fields = {k: v for k, v in profile.items() if k not in {"skills", "categories"}}
        services.supplier_update(
            actor=actor,
            supplier=supplier,
            relationship_owner=User.objects.filter(username="gloria").first(),
            skills=[skills[s] for s in profile["skills"]],
            categories=[categories[c] for c in profile["categories"]],
            **fields,
            reason="demo profile",
        )
        created["supplier_profiles"] += 1
    return skills


def _contracts(actor: User, created: Counter) -> Contract | None:
    atlas = Supplier.objects.filter(slug=MSP).first()
    schedule = SupportSchedule.objects.filter(slug="24x7").first()
    if atlas is None or schedule is None:
        return None
    owner = User.objects.filter(username="gloria").first()
    today = timezone.localdate()
    specs = [
        (
            atlas,
            "ATL-2024-001",
            "Infrastructure operations and 24×7 monitoring",
            400,
            60,
            "2400000",
            ATLAS_TARGETS,
        ),
        (
            Supplier.objects.filter(slug="stratus-cloud").first(),
            "STR-2025-004",
            "Public cloud hosting (EU)",
            200,
            530,
            "900000",
            {"P1": (30, 240, "1500", "3000"), "P2": (60, 480, "500", "1000")},
        ),
    ]
    atlas_contract = None
    for supplier, reference, title, started, ends, value, targets in specs:
        if supplier is None:
            continue
        contract = Contract.objects.filter(reference=reference).first()
        if contract is None:
            contract = services.contract_create(
                actor=actor,
                supplier=supplier,
                reference=reference,
                title=title,
                start_date=today - timedelta(days=started),
                end_date=today + timedelta(days=ends),
                value=Decimal(value),
                owner=owner,
                schedule=schedule,
                renewal_notice_days=90,
                services=list(Service.objects.filter(supplier=supplier)),
                terms="Service credits per breach, capped at 10 % of the monthly charge.",
            )
            for priority, (resp, resol, resp_credit, resol_credit) in targets.items():
                for target, minutes, credit in (
                    ("response", resp, resp_credit),
                    ("resolution", resol, resol_credit),
                ):
                    services.contract_set_target(
                        actor=actor,
                        contract=contract,
                        priority=priority,
                        target=target,
                        minutes=minutes,
                        credit=Decimal(credit),
                    )
            services.contract_transition(actor=actor, contract=contract, status="active")
            created["contracts"] += 1
        if supplier == atlas:
            atlas_contract = contract
    return atlas_contract


def _history(actor: User, created: Counter) -> None:
    """About forty Atlas tickets over four months: desk → Atlas hand-offs, acceptance, bounces, breaches."""
    sam = User.objects.filter(username="sam").first()
    sunil = User.objects.filter(username="sunil").first()
    desk = Team.objects.filter(slug="service-desk").first()
    queue = Team.objects.filter(slug="atlas-operations").first()
    targets = list(Service.objects.filter(supplier__slug=MSP, lifecycle="live").order_by("slug")[:4])
    if not (sam and sunil and desk and queue and targets):
        return
    done = set(Ticket.objects.filter(title__startswith=HISTORY).values_list("title", flat=True))
    office = SupportSchedule.objects.get(slug="london-business-hours").as_schedule()
    now = timezone.now()
    starts = _history_starts(office, now, 40 - OPEN_IN_QUEUE)
    for i in range(40):
        service = targets[i % len(targets)]
        title = f"{HISTORY} {service.name}: alert {i + 1:02d}"
        if title in done:
            continue
        impact, urgency, respond, resolve = PATTERN[i % len(PATTERN)]
        if i < OPEN_IN_QUEUE:
            # Open for more working time than any target: every clock of these is breached, on any day.
            opened = subtract_business_time(office, now, (6 + i) * 8.5 * 3600)
        else:
            opened = starts[i - OPEN_IN_QUEUE] + timedelta(minutes=(i * 37) % 240)
        ticket = sd.ticket_create(
            actor=sam,
            ticket_type="incident",
            title=title,
            service=service,
            impact=impact,
            urgency=urgency,
            assignment_group=desk,
            opened_at=opened,
            description="Raised by monitoring; the desk triaged and passed it to Atlas.",
        )
        handed = opened + timedelta(minutes=10)
        sd.ticket_assign(
            actor=sam, ticket=ticket, group=queue, now=handed, reason="Atlas operates this service"
        )
        if i < OPEN_IN_QUEUE:
            created["supplier_tickets"] += 1
            continue  # still open in Atlas' queue
        sd.ticket_assign(
            actor=sunil, ticket=ticket, group=queue, assignee=sunil, now=handed + timedelta(minutes=respond)
        )
        ticket = Ticket.objects.get(pk=ticket.pk)
        sd.ticket_transition(
            actor=sunil, ticket=ticket, status="in_progress", now=handed + timedelta(minutes=respond + 1)
        )
        end = handed + timedelta(minutes=resolve)
        if i % 5 == 4:
            # Bounced: Atlas sends it back to the desk (not theirs), the desk sends it back an hour later.
            back = handed + timedelta(minutes=respond + 30)
            sd.ticket_assign(
                actor=actor,
                ticket=Ticket.objects.get(pk=ticket.pk),
                group=desk,
                now=back,
                reason="Atlas: not an infrastructure fault",
            )
            sd.ticket_assign(
                actor=sam,
                ticket=Ticket.objects.get(pk=ticket.pk),
                group=queue,
                now=back + timedelta(hours=1),
                reason="Desk: network trace points to Atlas",
            )
            sd.ticket_assign(
                actor=sunil,
                ticket=Ticket.objects.get(pk=ticket.pk),
                group=queue,
                assignee=sunil,
                now=back + timedelta(hours=1, minutes=5),
            )
            end += timedelta(hours=1)
        sd.ticket_transition(
            actor=sunil,
            ticket=Ticket.objects.get(pk=ticket.pk),
            status="resolved",
            resolution="Fixed by Atlas operations.",
            now=end,
        )
        if i % 7 == 6:
            sd.ticket_transition(
                actor=actor,
                ticket=Ticket.objects.get(pk=ticket.pk),
                status="in_progress",
                reason="Recurred",
                now=end + timedelta(hours=2),
            )
            sd.ticket_transition(
                actor=sunil,
                ticket=Ticket.objects.get(pk=ticket.pk),
                status="resolved",
                resolution="Root cause fixed.",
                now=end + timedelta(hours=4),
            )
        created["supplier_tickets"] += 1
    # Raise the warnings and breaches of the clocks still running now, as the worker would have (once: a
    # later load leaves that to the worker).
    if created["supplier_tickets"]:
        sd.sla_check(now=now)


def _evaluation(actor: User, created: Counter, skills: dict[str, Skill]) -> None:
    slug = "mode-1-infrastructure-re-tender"
    if MspEvaluation.objects.filter(slug=slug).exists():
        return
    have = {s.slug: s for s in Supplier.objects.all()}
    for prospect_slug, name, tier, profile, *_ in PROSPECTS:
        if prospect_slug not in have:
            fields = {k: v for k, v in profile.items() if k != "skills"}
            have[prospect_slug] = services.supplier_create(
                actor=actor,
                name=name,
                slug=prospect_slug,
                tier=tier,
                status="prospect",
                skills=[skills[s] for s in profile["skills"]],
                **fields,
            )
            created["suppliers"] += 1
    scope = list(Service.objects.filter(supplier__slug=MSP).order_by("slug"))
    evaluation = services.evaluation_create(
        actor=actor,
        name="Mode 1 infrastructure re-tender",
        slug=slug,
        services=scope,
        description="The Atlas contract ends soon: re-tender data centre, network and mainframe operations, "
        "including the planned move of batch workloads to containers.",
        required_response={"P1": 15, "P2": 30, "P3": 240},
        needs_on_site=True,
        needs_remote=True,
        regions=["GB"],
    )
    for skill, weight, future in (
        ("cobol", 5, False),
        ("db2", 4, False),
        ("batch-scheduling", 4, False),
        ("incident-mgmt", 3, False),
        ("kubernetes", 3, True),
        ("terraform", 2, True),
    ):
        services.requirement_set(
            actor=actor, evaluation=evaluation, skill=skills[skill], weight=weight, future=future
        )
    services.candidate_add(
        actor=actor,
        evaluation=evaluation,
        supplier=have[MSP],
        customisation=3,
        annual_cost=Decimal("2400000"),
        notes="Incumbent.",
    )
    for prospect_slug, _name, _tier, _profile, response, customisation, cost in PROSPECTS:
        services.candidate_add(
            actor=actor,
            evaluation=evaluation,
            supplier=have[prospect_slug],
            demonstrated_response=response,
            response_source="Reference customers and a two-week trial",
            customisation=customisation,
            annual_cost=Decimal(cost),
        )
    created["msp_evaluations"] += 1


def load(*, actor: User) -> dict[str, int]:
    """Add the suppliers demo data (idempotent)."""
    created: Counter = Counter()
    skills = _profiles(actor, created)
    if _contracts(actor, created) is not None:
        _history(actor, created)
    _evaluation(actor, created, skills)
    return dict(created)
