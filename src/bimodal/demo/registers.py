"""Demo data of the registers and people areas for Northbridge Bank: low-code apps, AI use cases (one of
them shadow AI), cloud accounts with 12 months of costs, a skills catalogue, proficiency and skill profiles.

Idempotent and deterministic: each entry is looked up by slug (or person and skill) and skipped when it
exists; costs are computed from fixed numbers, not random ones. Writes go through the service functions."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from bimodal.core import services as core_services
from bimodal.core.models import OrgUnit, Team, User
from bimodal.demo.modes import EXPLORATORY, STABLE, mode_at
from bimodal.people import services as people_services
from bimodal.people.models import Proficiency, Skill, SkillRequirement
from bimodal.portfolio.models import Service
from bimodal.registers import services as register_services
from bimodal.registers.models import AIUseCase, CloudAccount, CloudCost, LowCodeApp

LOW_CODE = [
    # slug, name, platform, owner, team, unit, users, data, integrations, support, stage, purpose
    (
        "branch-cash-forecast",
        "Branch Cash Forecast",
        "power_apps",
        "owen",
        "core-banking-platform",
        "retail-banking",
        320,
        "confidential",
        ["core-banking"],
        "business",
        "in_use",
        "Forecasts cash needs per branch from historic withdrawals.",
    ),
    (
        "mortgage-pipeline-tracker",
        "Mortgage Pipeline Tracker",
        "sharepoint",
        "owen",
        "core-banking-platform",
        "retail-banking",
        85,
        "confidential",
        ["loan-origination"],
        "business",
        "in_use",
        "Tracks mortgage applications between brokers and underwriters.",
    ),
    (
        "expense-approvals",
        "Expense Approvals Flow",
        "power_automate",
        "gloria",
        None,
        "finance",
        1200,
        "internal",
        ["general-ledger", "hr-system"],
        "it_best_effort",
        "in_use",
        "Routes staff expense claims to approvers and posts them to the ledger.",
    ),
    (
        "complaints-log",
        "Customer Complaints Log",
        "power_apps",
        "pat",
        "mobile-banking-squad",
        "retail-banking",
        140,
        "restricted",
        ["core-banking", "customer-portal"],
        "none",
        "in_use",
        "Logs complaints from branches and the contact centre for FCA reporting.",
    ),
    (
        "trade-finance-checklist",
        "Trade Finance Checklist",
        "outsystems",
        "gloria",
        None,
        "corporate-banking",
        35,
        "confidential",
        [],
        "business",
        "in_use",
        "Document checklist for letters of credit.",
    ),
    (
        "desk-booking",
        "Desk Booking",
        "power_apps",
        "pat",
        "mobile-banking-squad",
        "operations",
        900,
        "internal",
        [],
        "it_supported",
        "in_use",
        "Books hot desks in the head office.",
    ),
    (
        "kyc-refresh-tracker",
        "KYC Refresh Tracker",
        "appian",
        "owen",
        "core-banking-platform",
        "corporate-banking",
        60,
        "restricted",
        ["aml-screening", "onboarding-kyc"],
        "it_best_effort",
        "pilot",
        "Schedules periodic KYC refresh of corporate clients.",
    ),
    (
        "marketing-consents",
        "Marketing Consents Sheet",
        "spreadsheet",
        "pat",
        "mobile-banking-squad",
        "digital-banking",
        8,
        "confidential",
        [],
        "none",
        "proposed",
        "Spreadsheet of customers' marketing consents pending migration.",
    ),
]

AI_USE_CASES = [
    # slug, name, owner, team, model, runs_on, personal, special, people, answers(yes), dpia, oversight, decision, stage, purpose
    (
        "credit-scoring-ml",
        "Credit Scoring Model",
        "owen",
        "data-platform-team",
        "In-house gradient boosting",
        "cloud_tenant",
        True,
        False,
        "Loan applicants",
        ["creditworthiness"],
        "completed",
        "Underwriters review every decline and can override.",
        "conditional",
        "in_use",
        "Scores personal loan applications.",
    ),
    (
        "customer-chatbot-llm",
        "Customer Chatbot Assistant",
        "pat",
        "digital-channels",
        "GPT-4o via Azure OpenAI",
        "vendor_saas",
        True,
        False,
        "Retail customers",
        ["interacts_with_people", "generates_content"],
        "completed",
        "Hand-off to an agent on request.",
        "approved",
        "in_use",
        "Answers customers' questions in the app and on the web.",
    ),
    (
        "fraud-anomaly",
        "Card Fraud Anomaly Detection",
        "owen",
        "payments-engineering",
        "Vendor model (FICO-like)",
        "on_premises",
        True,
        False,
        "Card holders",
        ["critical_infrastructure"],
        "completed",
        "Fraud analysts confirm blocks within 15 minutes.",
        "approved",
        "in_use",
        "Flags unusual card transactions in real time.",
    ),
    (
        "cv-screening",
        "CV Screening Assistant",
        "gloria",
        "hr-systems",
        "SaaS recruitment suite",
        "vendor_saas",
        True,
        False,
        "Job applicants",
        ["employment"],
        "required",
        "",
        "not_reviewed",
        "in_use",
        "Ranks applicants' CVs for recruiters — switched on by HR without review.",
    ),
    (
        "code-assistant",
        "Developer Code Assistant",
        "pat",
        "cloud-platform",
        "GitHub Copilot",
        "vendor_saas",
        False,
        False,
        "Engineers",
        ["generates_content"],
        "not_required",
        "Code review before merge.",
        "approved",
        "in_use",
        "Suggests code to engineers.",
    ),
    (
        "doc-summaries",
        "Meeting Summaries",
        "gloria",
        None,
        "Microsoft Copilot",
        "vendor_saas",
        True,
        False,
        "Staff",
        ["generates_content"],
        "in_progress",
        "",
        "pending",
        "pilot",
        "Summarises Teams meetings.",
    ),
    (
        "invoice-ocr",
        "Invoice Data Extraction",
        "gloria",
        "ledger-finance-systems",
        "Cloud OCR API",
        "cloud_tenant",
        False,
        False,
        "Suppliers",
        [],
        "not_required",
        "",
        "approved",
        "in_use",
        "Reads supplier invoices into the ledger.",
    ),
    (
        "staff-sentiment",
        "Staff Sentiment from Webcams",
        "gloria",
        "hr-systems",
        "Emotion-recognition vendor",
        "vendor_saas",
        True,
        True,
        "Employees",
        ["workplace_emotion"],
        "required",
        "",
        "not_reviewed",
        "proposed",
        "Proposed: infer staff mood during video calls (prohibited).",
    ),
]

CLOUD = [
    # slug, name, provider, ref, owner, team, services, budget, total, tagged, idle, orphaned, base cost, monthly growth %
    (
        "stratus-digital-prod",
        "Digital Production",
        "stratus",
        "sc-1001",
        "pat",
        "cloud-platform",
        ["mobile-banking-app", "customer-portal", "open-banking-api"],
        42000,
        620,
        601,
        12,
        3,
        36000,
        2,
    ),
    (
        "stratus-data-platform",
        "Data Platform",
        "stratus",
        "sc-1002",
        "owen",
        "data-platform-team",
        ["data-platform", "credit-decisioning"],
        30000,
        410,
        344,
        40,
        9,
        27000,
        3,
    ),
    (
        "azure-m365",
        "Microsoft 365 Tenant",
        "azure",
        "az-tenant-01",
        "gloria",
        "cloud-platform",
        ["email-collaboration"],
        18000,
        120,
        118,
        2,
        0,
        17500,
        0,
    ),
    (
        "aws-ml-sandbox",
        "ML Sandbox",
        "aws",
        "123456789012",
        "owen",
        "data-platform-team",
        [],
        3000,
        95,
        41,
        30,
        12,
        2600,
        6,
    ),
    (
        "stratus-shared-services",
        "Shared Services",
        "stratus",
        "sc-1003",
        "pat",
        "cloud-platform",
        ["ci-cd-platform", "observability", "core-banking"],
        15000,
        240,
        236,
        5,
        1,
        12800,
        1,
    ),
    (
        "gcp-marketing-legacy",
        "Marketing Analytics (legacy)",
        "gcp",
        "mkt-analytics-7",
        None,
        None,
        [],
        1500,
        60,
        12,
        25,
        20,
        1900,
        0,
    ),
]

SKILLS = [
    ("cobol", "COBOL & mainframe", "engineering"),
    ("itil-change", "ITIL change management", "practice"),
    ("incident-mgmt", "Major incident management", "operations"),
    ("db2", "DB2 administration", "engineering"),
    ("batch-scheduling", "Batch scheduling (Control-M)", "operations"),
    ("regulatory-reporting", "Regulatory reporting", "domain"),
    ("payments-domain", "Payments schemes", "domain"),
    ("java", "Java", "engineering"),
    ("kotlin-swift", "Mobile (Kotlin/Swift)", "engineering"),
    ("react", "React / TypeScript", "engineering"),
    ("kubernetes", "Kubernetes", "engineering"),
    ("terraform", "Terraform / IaC", "engineering"),
    ("ci-cd", "CI/CD pipelines", "practice"),
    ("sre", "Site reliability engineering", "operations"),
    ("observability", "Observability", "operations"),
    ("product-mgmt", "Product management", "practice"),
    ("agile-delivery", "Agile delivery (Scrum/Kanban)", "practice"),
    ("ux-research", "UX research", "practice"),
    ("data-engineering", "Data engineering", "data"),
    ("ml-ops", "MLOps", "data"),
    ("threat-modelling", "Threat modelling", "security"),
    ("iam", "Identity & access", "security"),
    ("vendor-mgmt", "Supplier management", "practice"),
    ("cloud-finops", "Cloud FinOps", "practice"),
    ("coaching", "Team coaching", "leadership"),
]

EXTRA_PEOPLE = [
    # username, first, last, title, team
    ("mia", "Mia", "Hartley", "Mainframe Engineer", "core-banking-platform"),
    ("tom", "Tom", "Okonkwo", "Batch Operations Analyst", "core-banking-platform"),
    ("lena", "Lena", "Vogel", "Java Developer, Core Banking", "core-banking-platform"),
    ("raj", "Raj", "Iyer", "iOS Engineer", "mobile-banking-squad"),
    ("ella", "Ella", "Brooks", "Android Engineer", "mobile-banking-squad"),
    ("kofi", "Kofi", "Mensah", "Product Manager, Mobile", "mobile-banking-squad"),
]

PROFICIENCY = {
    "owen": {"cobol": 3, "itil-change": 4, "incident-mgmt": 3, "db2": 2, "coaching": 3, "java": 2},
    "mia": {"cobol": 4, "db2": 3, "batch-scheduling": 3, "itil-change": 2},
    "tom": {"batch-scheduling": 4, "incident-mgmt": 2, "cobol": 2, "itil-change": 3},
    "lena": {"java": 3, "db2": 2, "ci-cd": 2, "kubernetes": 1},
    "pat": {"kotlin-swift": 3, "react": 3, "ci-cd": 3, "kubernetes": 2, "agile-delivery": 3, "sre": 1},
    "raj": {"kotlin-swift": 4, "ci-cd": 2, "observability": 2, "agile-delivery": 3},
    "ella": {"kotlin-swift": 3, "react": 2, "ci-cd": 2, "ux-research": 2},
    "kofi": {"product-mgmt": 3, "agile-delivery": 3, "ux-research": 3},
    "gloria": {"itil-change": 4, "vendor-mgmt": 3, "coaching": 4, "regulatory-reporting": 3},
    "sam": {"incident-mgmt": 3, "itil-change": 2},
}

MODE_PROFILES = {
    STABLE: [
        ("itil-change", 3, 2),
        ("incident-mgmt", 3, 2),
        ("cobol", 3, 2),
        ("batch-scheduling", 3, 1),
        ("db2", 3, 1),
    ],
    EXPLORATORY: [
        ("ci-cd", 3, 2),
        ("kubernetes", 3, 2),
        ("sre", 3, 1),
        ("agile-delivery", 3, 2),
        ("observability", 3, 1),
        ("product-mgmt", 3, 1),
    ],
}
SERVICE_PROFILES = {
    "core-banking": [("cobol", 4, 1), ("java", 3, 1)],
    "mobile-banking-app": [("kotlin-swift", 3, 2), ("threat-modelling", 3, 1)],
    "onboarding-kyc": [("ux-research", 3, 1)],
}


# Items last reviewed this many days ago (at creation), so that some reviews are due or overdue.
REVIEWED_DAYS_AGO = {
    "branch-cash-forecast": 120,
    "expense-approvals": 170,
    "desk-booking": 360,
    "credit-scoring-ml": 100,
    "customer-chatbot-llm": 175,
    "azure-m365": 175,
    "stratus-digital-prod": 200,
}


def _reviewed(actor: User, item) -> None:
    days = REVIEWED_DAYS_AGO.get(item.slug)
    if days:
        register_services.item_review(
            actor=actor, item=item, notes="demo history", today=timezone.localdate() - dt.timedelta(days=days)
        )


def _months_back(n: int) -> list[dt.date]:
    """The first days of the last `n` complete months, oldest first."""
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    months = []
    for _ in range(n):
        months.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return months[::-1]


def _load_registers(actor: User, created: Counter) -> None:
    users = {u.username: u for u in User.objects.all()}
    teams = {t.slug: t for t in Team.objects.all()}
    units = {u.slug: u for u in OrgUnit.objects.all()}
    services = {s.slug: s for s in Service.objects.all()}
    have = set(LowCodeApp.objects.values_list("slug", flat=True))
    for slug, name, platform, owner, team, unit, n, data, integrations, support, stage, purpose in LOW_CODE:
        if slug in have:
            continue
        app = register_services.lowcode_create(
            actor=actor,
            slug=slug,
            name=name,
            platform=platform,
            owner=users[owner],
            owner_team=teams.get(team),
            business_unit=units[unit],
            user_count=n,
            data_classification=data,
            purpose=purpose,
            integrations=[services[s] for s in integrations if s in services],
            support_wrapper=support,
            stage=stage,
        )
        _reviewed(actor, app)
        created["low_code_apps"] += 1
    have = set(AIUseCase.objects.values_list("slug", flat=True))
    for (
        slug,
        name,
        owner,
        team,
        model,
        runs_on,
        personal,
        special,
        people,
        yes,
        dpia,
        oversight,
        decision,
        stage,
        purpose,
    ) in AI_USE_CASES:
        if slug in have:
            continue
        use_case = register_services.aiusecase_create(
            actor=actor,
            slug=slug,
            name=name,
            owner=users[owner],
            owner_team=teams.get(team),
            model_vendor=model,
            runs_on=runs_on,
            personal_data=personal,
            special_categories=special,
            affected_people=people,
            risk_answers={k: True for k in yes},
            dpia_status=dpia,
            human_oversight=oversight,
            purpose=purpose,
            stage=stage,
            monitoring="Monthly accuracy and complaint review."
            if decision in ("approved", "conditional")
            else "",
        )
        if decision in ("approved", "conditional", "rejected"):
            register_services.aiusecase_decide(
                actor=actor,
                use_case=use_case,
                decision=decision,
                conditions="Quarterly bias report to the ethics board; decline reasons shown to applicants."
                if decision == "conditional"
                else "",
            )
        _reviewed(actor, use_case)
        created["ai_use_cases"] += 1
    have = set(CloudAccount.objects.values_list("slug", flat=True))
    months = _months_back(12)
    for (
        slug,
        name,
        provider,
        ref,
        owner,
        team,
        svc,
        budget,
        total,
        tagged,
        idle,
        orphaned,
        base,
        growth,
    ) in CLOUD:
        if slug not in have:
            account = register_services.cloudaccount_create(
                actor=actor,
                slug=slug,
                name=name,
                provider=provider,
                account_ref=ref,
                owner=users.get(owner) if owner else None,
                owner_team=teams.get(team),
                services=[services[s] for s in svc if s in services],
                monthly_budget=Decimal(budget),
                total_resources=total,
                tagged_resources=tagged,
                idle_resources=idle,
                orphaned_resources=orphaned,
                stage="in_use",
            )
            _reviewed(actor, account)
            created["cloud_accounts"] += 1
        account = CloudAccount.objects.get(slug=slug)
        if CloudCost.objects.filter(account=account).exists():
            continue  # a later load, perhaps in another month, adds no months of its own
        for i, month in enumerate(months):
            # Fixed growth with a small seasonal wobble: deterministic, and recent months grow past budget.
            amount = Decimal(base) * (1 + Decimal(growth) / 100) ** i * (1 + Decimal((i % 3) - 1) / 50)
            register_services.cloudcost_record(
                actor=actor, account=account, month=month, amount=amount.quantize(Decimal("0.01"))
            )
            created["cloud_costs"] += 1


def _load_people(actor: User, created: Counter) -> None:
    have = set(Skill.objects.values_list("slug", flat=True))
    for slug, name, area in SKILLS:
        if slug not in have:
            people_services.skill_create(actor=actor, slug=slug, name=name, skill_area=area)
            created["skills"] += 1
    skills = {s.slug: s for s in Skill.objects.all()}
    existing_users = set(User.objects.values_list("username", flat=True))
    group = Group.objects.get(name="product_team_member")
    for username, first, last, title, team_slug in EXTRA_PEOPLE:
        if username not in existing_users:
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                job_title=title,
                email=f"{username}@northbridge.example.com",
            )
            user.set_password(settings.BIMODAL_DEMO_PASSWORD)
            user.save()
            user.groups.add(group)
            created["users"] += 1
        team = Team.objects.get(slug=team_slug)
        user = User.objects.get(username=username)
        if not team.members.filter(pk=user.pk).exists():
            core_services.team_update(
                actor=actor, team=team, members=[*team.members.all(), user], reason="demo people"
            )
    users = {u.username: u for u in User.objects.all()}
    rated = set(Proficiency.objects.values_list("person__username", "skill__slug"))
    for username, ratings in PROFICIENCY.items():
        for skill, level in ratings.items():
            if (username, skill) not in rated and username in users:
                people_services.proficiency_record(
                    actor=actor, person=users[username], skill=skills[skill], proficiency_level=level
                )
                created["proficiency"] += 1
    found = {place: mode_at(place) for place in MODE_PROFILES}
    modes = {place: mode for place, mode in found.items() if mode is not None}
    services = {s.slug: s for s in Service.objects.all()}
    existing = set(SkillRequirement.objects.values_list("skill__slug", "mode__key", "service__slug"))
    for key, reqs in MODE_PROFILES.items():
        for skill, level, headcount in reqs:
            if key in modes and (skill, modes[key].key, None) not in existing:
                people_services.requirement_set(
                    actor=actor, skill=skills[skill], mode=modes[key], min_level=level, headcount=headcount
                )
                created["skill_requirements"] += 1
    for slug, reqs in SERVICE_PROFILES.items():
        for skill, level, headcount in reqs:
            if slug in services and (skill, None, slug) not in existing:
                people_services.requirement_set(
                    actor=actor,
                    skill=skills[skill],
                    service=services[slug],
                    min_level=level,
                    headcount=headcount,
                )
                created["skill_requirements"] += 1


def load(*, actor) -> dict[str, int]:
    """Create what is missing of this area's demo data; return {kind: number created}."""
    created: Counter = Counter()
    _load_registers(actor, created)
    _load_people(actor, created)
    # Review tasks for what is due, so the governance dashboard has something to show; once, with the
    # registers: later the worker's periodic job schedules them as they fall due.
    if created["low_code_apps"] or created["ai_use_cases"] or created["cloud_accounts"]:
        for kind, n in register_services.reviews_schedule().items():
            created[f"review_tasks_{kind}"] += n
    return {k: v for k, v in created.items() if v}
