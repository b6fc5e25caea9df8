"""Demo data of the service desk: schedules, SLA definitions, the request catalogue, routing rules and ~20
tickets (most assigned by the desk, a few routed by the rules and waiting in triage).

Idempotent: rows are looked up by slug, name or title and skipped when they exist. Each ticket was
opened a fixed amount of its clocks' working time before the load, so a demo loaded on any day shows the
same mix of running, warning, paused, breached and met clocks."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from bimodal.core.calendars import (
    Schedule,
    add_business_time,
    business_seconds_between,
    subtract_business_time,
)
from bimodal.core.models import Team
from bimodal.core.services import create_audited, transactional
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio.models import Service
from bimodal.servicedesk import defaults as sla_defaults
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.choices import DEFAULT_PRIORITY_MATRIX, Approver, TicketStatus, TicketType
from bimodal.servicedesk.models import (
    CatalogueItem,
    Category,
    PriorityRule,
    RoutingRule,
    SlaDefinition,
    SupportSchedule,
    Ticket,
)

H = 3600
OFFICE_HOURS = {d: [["09:00", "17:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}
CATEGORIES = [
    "Access",
    "Hardware",
    "Software",
    "Network",
    "Payroll",
    "People",
    "Expenses",
    "Building",
    "Travel",
]
# (ticket type, priority) -> (response, resolution) in business seconds
TARGETS = {
    (TicketType.INCIDENT, "P1"): (15 * 60, 4 * H),
    (TicketType.INCIDENT, "P2"): (30 * 60, 8 * H),
    (TicketType.INCIDENT, "P3"): (4 * H, 3 * 8.5 * H),
    (TicketType.INCIDENT, "P4"): (8.5 * H, 5 * 8.5 * H),
    (TicketType.REQUEST, ""): (8.5 * H, 5 * 8.5 * H),
}

ITEM_DESCRIPTIONS = {
    "new-laptop": "A standard or developer laptop, imaged and enrolled; delivered to your desk within five working days.",
    "access-request": "Access to a business application; the application owner approves it.",
    "update-bank-details": "Change the account your salary is paid into, from the next payroll run.",
    "employment-letter": "A signed letter confirming your employment, e.g. for a mortgage or a lease.",
    "expense-advance": "Cash advance for business expenses; your manager approves it.",
    "desk-move": "Move desks, phones and equipment for you or your team within our offices.",
    "business-trip": "Travel and hotel booked to policy by the travel desk; your manager approves it.",
    "restore-from-backup": "Files, a mailbox or a database restored from backup; the desk passes it to the "
    "team that operates Backup & Recovery.",
}

CATALOGUE = [
    (
        "it",
        "new-laptop",
        "New laptop",
        "email-collaboration",
        "service-desk",
        False,
        [
            {
                "name": "model",
                "label": "Model",
                "type": "choice",
                "required": True,
                "choices": ['Standard 14"', 'Developer 16"'],
            },
            {
                "name": "reason",
                "label": "Business reason",
                "type": "textarea",
                "required": True,
                "max_length": 1000,
            },
        ],
        [
            {"title": "Prepare and image the laptop", "group": "service-desk"},
            {"title": "Hand over", "group": "service-desk"},
        ],
    ),
    (
        "it",
        "access-request",
        "Access to an application",
        "identity-access",
        "security-identity",
        True,
        [
            {
                "name": "application",
                "label": "Application",
                "type": "text",
                "required": True,
                "max_length": 120,
            },
            {"name": "access_until", "label": "Access until", "type": "date"},
        ],
        [{"title": "Grant access", "group": "security-identity"}],
    ),
    (
        "hr",
        "update-bank-details",
        "Update my bank details for payroll",
        "payroll",
        "hr-systems",
        False,
        [
            {
                "name": "sort_code",
                "label": "Sort code",
                "type": "text",
                "required": True,
                "pattern": r"^\d{2}-\d{2}-\d{2}$",
                "help": "e.g. 12-34-56",
            },
            {
                "name": "account_number",
                "label": "Account number",
                "type": "text",
                "required": True,
                "pattern": r"^\d{8}$",
            },
            {"name": "effective_from", "label": "Effective from", "type": "date", "required": True},
        ],
        [{"title": "Update payroll record", "group": "hr-systems"}],
    ),
    (
        "hr",
        "employment-letter",
        "Employment confirmation letter",
        "hr-system",
        "hr-systems",
        False,
        [
            {"name": "addressee", "label": "Addressed to", "type": "text", "required": True},
            {"name": "include_salary", "label": "Include salary", "type": "boolean"},
        ],
        [],
    ),
    (
        "finance",
        "expense-advance",
        "Expense advance",
        "general-ledger",
        "ledger-finance-systems",
        True,
        [
            {
                "name": "amount",
                "label": "Amount (GBP)",
                "type": "decimal",
                "required": True,
                "min": 1,
                "max": 5000,
            },
            {"name": "purpose", "label": "Purpose", "type": "text", "required": True},
        ],
        [{"title": "Pay the advance", "group": "ledger-finance-systems"}],
    ),
    (
        "facilities",
        "desk-move",
        "Desk move",
        "email-collaboration",
        "service-desk",
        False,
        [
            {
                "name": "building",
                "label": "Building",
                "type": "choice",
                "required": True,
                "choices": ["London Wall", "Leeds Park Row", "Edinburgh Quay"],
            },
            {
                "name": "people",
                "label": "Number of people",
                "type": "integer",
                "required": True,
                "min": 1,
                "max": 50,
            },
        ],
        [],
    ),
    (
        "travel",
        "business-trip",
        "Book a business trip",
        "employee-self-service",
        "hr-systems",
        True,
        [
            {"name": "destination", "label": "Destination", "type": "text", "required": True},
            {"name": "depart", "label": "Departure date", "type": "date", "required": True},
            {"name": "return_date", "label": "Return date", "type": "date", "required": True},
            {"name": "contact", "label": "Contact email", "type": "email"},
        ],
        [{"title": "Book travel and hotel", "group": "hr-systems"}],
    ),
    (
        # Backup & Recovery is in Atlas Managed Services' contract: the desk takes the request and hands
        # it to Atlas' queue (the catalogue-to-supplier flow of docs/getting-started.md).
        "it",
        "restore-from-backup",
        "Restore from backup",
        "backup-recovery",
        "service-desk",
        False,
        [
            {"name": "what", "label": "What to restore", "type": "text", "required": True, "max_length": 200},
            {"name": "as_of", "label": "As it was on", "type": "date", "required": True},
        ],
        [],
    ),
]
# name, order, criteria (ticket type, service slug, catalogue item slug, category slug), group slug
# (None: the service's support team). The rule without criteria is the default: the desk triages.
ROUTING_RULES = [
    ("Payroll questions to HR systems", 10, ("", None, None, "payroll"), "hr-systems"),
    ("ATM network incidents to Atlas", 10, ("incident", "atm-network", None, None), "atlas-operations"),
    ("Everything else: service desk triage", 1000, ("", None, None, None), "service-desk"),
]

# title, type, service, impact, urgency, group (None: routing decides), hours ago, final status, extras
TICKETS = [
    (
        "Payments switch rejecting SEPA batches",
        "incident",
        "payments-switch",
        1,
        1,
        "service-desk",
        2,
        "in_progress",
        {"major": True},
    ),
    (
        "ATM network: 40 ATMs offline in Scotland",
        "incident",
        "atm-network",
        1,
        2,
        "atlas-operations",
        3,
        "in_progress",
        {},
    ),
    (
        "Backup job failed for ledger database",
        "incident",
        "backup-recovery",
        2,
        2,
        "atlas-operations",
        20,
        "new",
        {},
    ),
    (
        "Branch VPN slow in Leeds",
        "incident",
        "network-services",
        2,
        2,
        "atlas-operations",
        6,
        "awaiting_supplier",
        {},
    ),
    (
        "Cannot log in to internet banking (legacy)",
        "incident",
        "internet-banking-legacy",
        2,
        1,
        None,
        1,
        "new",
        {},
    ),
    (
        "Statement print run delayed",
        "incident",
        "statement-printing",
        3,
        2,
        "service-desk",
        30,
        "awaiting_customer",
        {},
    ),
    (
        "Outlook keeps asking for password",
        "incident",
        "email-collaboration",
        3,
        3,
        "service-desk",
        50,
        "in_progress",
        {},
    ),
    (
        "Mobile app crashes on Android 15",
        "incident",
        "mobile-banking-app",
        2,
        2,
        "service-desk",
        4,
        "resolved",
        {},
    ),
    (
        "Data warehouse load missed its window",
        "incident",
        "data-warehouse",
        2,
        3,
        "service-desk",
        80,
        "in_progress",
        {},
    ),
    (
        "Customer chatbot answers in wrong language",
        "incident",
        "chatbot",
        3,
        3,
        "service-desk",
        10,
        "closed",
        {},
    ),
    (
        "Recurring SEPA batch rejections",
        "problem",
        "payments-switch",
        2,
        2,
        "service-desk",
        24,
        "in_progress",
        {},
    ),
    (
        "Core banking overnight batch overran",
        "incident",
        "core-banking",
        1,
        2,
        "service-desk",
        100,
        "resolved",
        {},
    ),
    (
        "Teams calls drop after 60 minutes",
        "incident",
        "email-collaboration",
        3,
        2,
        None,
        5,
        "new",
        {},
    ),
    (
        "Data centre cooling alarm in hall B",
        "incident",
        "datacentre-hosting",
        1,
        1,
        "atlas-operations",
        1,
        "new",
        {},
    ),
    (
        "Card management screen times out",
        "incident",
        "card-management",
        2,
        3,
        "service-desk",
        70,
        "in_progress",
        {},
    ),
]
REQUESTS = [
    (
        "new-laptop",
        {"model": 'Developer 16"', "reason": "Replacing a five-year-old laptop"},
        30,
        "in_progress",
    ),
    (
        "update-bank-details",
        {"sort_code": "12-34-56", "account_number": "12345678", "effective_from": 30},
        8,
        "new",
    ),
    ("employment-letter", {"addressee": "Leeds Building Society", "include_salary": True}, 60, "resolved"),
    ("desk-move", {"building": "London Wall", "people": 4}, 2, "new"),
    ("restore-from-backup", {"what": "The Finance shared drive", "as_of": -2}, 3, "new"),
    (
        "business-trip",
        {"destination": "Frankfurt", "depart": 21, "return_date": 23},
        4,
        "awaiting_approval",
    ),
]
# Date answers of the requests above, in days after the day of loading (so they hold on any day).
DATE_FIELDS = {"effective_from", "depart", "return_date", "as_of"}

PATH = {
    "in_progress": ["in_progress"],
    "awaiting_customer": ["in_progress", "awaiting_customer"],
    "awaiting_supplier": ["in_progress", "awaiting_supplier"],
    "resolved": ["in_progress", "resolved"],
    "closed": ["in_progress", "resolved", "closed"],
    "new": [],
    "awaiting_approval": [],
}


def _schedule(schedules: dict, kind: str, impact: int = 3, urgency: int = 3) -> Schedule:
    """The calendar of the ticket's clocks, as the SLA definitions above pick it: 24×7 for P1 and P2
    incidents, London business hours for everything else."""
    top = kind == TicketType.INCIDENT and sd.priority_for(impact, urgency) in {"P1", "P2"}
    return schedules["24x7" if top else "london-business-hours"].as_schedule()


def _opened(schedule: Schedule, now, hours: float):
    """When a ticket was opened whose clock has run `hours` by `now`: counted in the clock's working time,
    so the same clocks are running, warned, paused or breached whatever the day and hour of loading."""
    return subtract_business_time(schedule, now, hours * H)


def _walk(ticket, final, *, actor, opened, now, schedule):
    """Move the ticket through the statuses to `final`, spread evenly over the working time since it opened."""
    steps = PATH[final]
    worked = business_seconds_between(schedule, opened, now)
    for n, status in enumerate(steps, start=1):
        at = add_business_time(schedule, opened, worked * n / (len(steps) + 1))
        ticket = sd.ticket_transition(
            actor=actor,
            ticket=ticket,
            status=status,
            now=at,
            resolution="Fixed and verified with the requester." if status == TicketStatus.RESOLVED else "",
        )
    return ticket


@transactional
def load(*, actor) -> dict[str, int]:
    """Create what is missing of this area's demo data; return {kind: number created}."""
    created: Counter = Counter()
    User = get_user_model()
    for (impact, urgency), priority in DEFAULT_PRIORITY_MATRIX.items():
        if not PriorityRule.objects.filter(impact=impact, urgency=urgency).exists():
            create_audited(
                PriorityRule(impact=impact, urgency=urgency, priority=priority),
                actor=actor,
                verb=AuditVerb.PRIORITY_MATRIX_SET,
            )
            created["priority rules"] += 1
    for name in CATEGORIES:
        if not Category.objects.filter(name=name).exists():
            create_audited(
                Category(name=name, slug=name.lower()), actor=actor, verb=AuditVerb.CATEGORY_CREATE
            )
            created["categories"] += 1
    schedules = {}
    for slug, name, fields in [
        (
            "london-business-hours",
            "London business hours",
            {"time_zone": "Europe/London", "hours": OFFICE_HOURS, "country": "GB", "subdivision": "ENG"},
        ),
        ("24x7", "24×7", {"always_on": True, "time_zone": "UTC"}),
    ]:
        schedule = SupportSchedule.objects.filter(slug=slug).first()
        if schedule is None:
            schedule = create_audited(
                SupportSchedule(slug=slug, name=name, **fields), actor=actor, verb=AuditVerb.SCHEDULE_CREATE
            )
            created["schedules"] += 1
        schedules[slug] = schedule
    service_desk = Team.objects.filter(slug="service-desk").first()
    for (kind, priority), (response, resolution) in TARGETS.items():
        for target, seconds in (("response", response), ("resolution", resolution)):
            label = f"{kind.title()} {priority or 'any priority'} {target}"
            if SlaDefinition.objects.filter(name=label).exists():
                continue
            top = priority in {"P1", "P2"}
            create_audited(
                SlaDefinition(
                    name=label,
                    target=target,
                    ticket_type=kind,
                    priority=priority,
                    target_seconds=int(seconds),
                    schedule=schedules["24x7" if top else "london-business-hours"],
                    pause_statuses=["awaiting_customer", "awaiting_approval"],
                    warning_thresholds=[50, 75, 90],
                    escalation_team=service_desk,
                    raise_priority_on_breach=not top and kind == TicketType.INCIDENT,
                ),
                actor=actor,
                verb=AuditVerb.SLA_DEFINITION_CREATE,
            )
            created["SLA definitions"] += 1
    # Each mode's SLA profile from its preset, as `bimodal setup` writes it.
    created["SLA definitions"] += sla_defaults.apply_sla_defaults(actor=actor)
    teams = {t.slug: t for t in Team.objects.all()}
    services = {s.slug: s for s in Service.objects.all()}
    for department, slug, name, service, group, approval, schema, tasks in CATALOGUE:
        if CatalogueItem.objects.filter(slug=slug).exists() or service not in services:
            continue
        create_audited(
            CatalogueItem(
                department=department,
                slug=slug,
                name=name,
                description=ITEM_DESCRIPTIONS.get(slug, ""),
                service=services[service],
                fulfilment_group=teams[group],
                form_schema=schema,
                requires_approval=approval,
                approver=Approver.MANAGER if approval else "",
                task_templates=tasks,
                category=Category.objects.filter(
                    slug={
                        "hr": "people",
                        "finance": "expenses",
                        "travel": "travel",
                        "facilities": "building",
                    }.get(department, "hardware")
                ).first(),
            ),
            actor=actor,
            verb=AuditVerb.CATALOGUE_ITEM_CREATE,
        )
        created["catalogue items"] += 1
    for name, order, (kind, service, item, category), group in ROUTING_RULES:
        if RoutingRule.objects.filter(name=name).exists() or (service and service not in services):
            continue
        create_audited(
            RoutingRule(
                name=name,
                order=order,
                ticket_type=kind,
                service=services.get(service) if service else None,
                catalogue_item=CatalogueItem.objects.filter(slug=item).first() if item else None,
                category=Category.objects.filter(slug=category).first() if category else None,
                group=teams.get(group) if group else None,
            ),
            actor=actor,
            verb=AuditVerb.ROUTING_RULE_CREATE,
        )
        created["routing rules"] += 1
    users = {u.username: u for u in User.objects.filter(username__in=["sam", "rita", "sunil", "admin"])}
    rita, sam = users.get("rita"), users.get("sam")
    if rita is None or sam is None:
        return dict(created)
    if rita.manager_id is None and "admin" in users:
        # Requests needing approval go to the requester's manager.
        User.objects.filter(pk=rita.pk).update(manager=users["admin"])
        rita.manager = users["admin"]
    now = timezone.now()
    problem = None
    for title, kind, service, impact, urgency, group, hours, final, extra in TICKETS:
        if Ticket.objects.filter(title=title).exists() or service not in services:
            continue
        schedule = _schedule(schedules, kind, impact, urgency)
        opened = _opened(schedule, now, hours)
        ticket = sd.ticket_create(
            actor=actor,
            ticket_type=kind,
            title=title,
            service=services[service],
            impact=impact,
            urgency=urgency,
            requester=rita if kind == TicketType.INCIDENT and hours % 2 else actor,
            assignment_group=teams[group] if group else None,
            assignee=users.get("sunil")
            if group == "atlas-operations" and final != "new"
            else (sam if final != "new" else None),
            major_incident=extra.get("major", False),
            opened_at=opened,
            description=f"{title}. Its SLA clock had run {hours} hours when the demo was loaded.",
        )
        ticket = _walk(ticket, final, actor=actor, opened=opened, now=now, schedule=schedule)
        if kind == TicketType.PROBLEM:
            problem = ticket
        created["tickets"] += 1
    if problem is not None:
        first = Ticket.objects.filter(title=TICKETS[0][0]).first()
        if first and first.problem_id is None:
            sd.ticket_link_problem(actor=actor, incident=first, problem=problem)
    # Incident ↔ change: the first incident is related to a change of its service (when the demo has one).
    first_incident = Ticket.objects.filter(ticket_type=TicketType.INCIDENT, title=TICKETS[0][0]).first()
    if first_incident is not None and not first_incident.changes.exists():
        from bimodal.changes.models import Change

        change = Change.objects.filter(services=first_incident.service).order_by("pk").first()
        if change is not None:
            sd.ticket_link_change(actor=actor, ticket=first_incident, change=change)
            created["change links"] += 1
    for slug, data, hours, final in REQUESTS:
        item = CatalogueItem.objects.filter(slug=slug).first()
        if item is None or Ticket.objects.filter(catalogue_item=item, requester=rita).exists():
            continue
        schedule = _schedule(schedules, TicketType.REQUEST)
        opened = _opened(schedule, now, hours)
        today = timezone.localdate(now)
        data = {
            k: (today + timedelta(days=v)).isoformat() if k in DATE_FIELDS else v for k, v in data.items()
        }
        ticket = sd.request_submit(actor=rita, item=item, data=data, opened_at=opened)
        if ticket.status == TicketStatus.NEW:
            ticket = _walk(ticket, final, actor=actor, opened=opened, now=now, schedule=schedule)
        created["requests"] += 1
    if created["tickets"] or created["requests"]:
        # The warnings and breaches of the new tickets' clocks, as the worker would have raised them; a later
        # load leaves that to the worker.
        sd.sla_check(now=now)
    return {k: v for k, v in created.items() if v}
