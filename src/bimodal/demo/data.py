"""The demo organisation, Northbridge Bank, as plain data; `bimodal.demo.loader` turns it into rows.

Everything here is fixed (no randomness) so that tests and screenshots are stable. References between
entries use slugs (org units, teams, suppliers, services) and usernames (people).
"""

from __future__ import annotations

from decimal import Decimal

from bimodal.core.roles import Role
from bimodal.demo.modes import EXPLORATORY, STABLE

ORGANISATION = "Northbridge Bank"

# The supplier whose agents and outsourced team the demo shows (supplier agent sunil works for it).
MSP = "atlas-managed-services"

SUPPLIERS: list[dict] = [
    {
        "slug": "atlas-managed-services",
        "name": "Atlas Managed Services",
        "tier": "strategic",
        "website": "https://atlas-managed.example.com",
        "description": "Strategic managed-service provider: data centre, network, mainframe operations, "
        "ATM estate and contact-centre telephony, 24×7 from two operations centres.",
    },
    {
        "slug": "meridian-core-systems",
        "name": "Meridian Core Systems",
        "tier": "tier_1",
        "website": "https://meridian-core.example.com",
        "description": "Vendor of the core banking software and its card-management module.",
    },
    {
        "slug": "stratus-cloud",
        "name": "Stratus Cloud",
        "tier": "tier_1",
        "website": "https://stratus-cloud.example.com",
        "description": "Public-cloud provider hosting the digital platforms (EU regions only).",
    },
    {
        "slug": "peoplesphere",
        "name": "PeopleSphere",
        "tier": "tactical",
        "website": "https://peoplesphere.example.com",
        "description": "SaaS HR, payroll and employee self-service.",
    },
    {
        "slug": "inkwell-print-mail",
        "name": "Inkwell Print & Mail",
        "tier": "commodity",
        "website": "https://inkwell-print.example.com",
        "description": "Printing and posting of customer statements and letters.",
    },
]

# username, first, last, job title, role, extra
USERS: list[dict] = [
    {
        "username": "admin",
        "first_name": "Alex",
        "last_name": "Morgan",
        "job_title": "Platform administrator",
        "role": Role.ADMINISTRATOR,
        "superuser": True,
    },
    {
        "username": "gloria",
        "first_name": "Gloria",
        "last_name": "Okafor",
        "job_title": "Head of IT Governance",
        "role": Role.GOVERNANCE_LEAD,
    },
    {
        "username": "chris",
        "first_name": "Chris",
        "last_name": "Lindqvist",
        "job_title": "Change Manager",
        "role": Role.CHANGE_MANAGER,
    },
    {
        "username": "carla",
        "first_name": "Carla",
        "last_name": "Mendes",
        "job_title": "Infrastructure Architect (CAB member)",
        "role": Role.CAB_MEMBER,
    },
    {
        "username": "owen",
        "first_name": "Owen",
        "last_name": "Price",
        "job_title": "Service Owner, Core Banking and Payments",
        "role": Role.SERVICE_OWNER,
    },
    {
        "username": "pat",
        "first_name": "Pat",
        "last_name": "Nakamura",
        "job_title": "Software Engineer, Mobile Banking",
        "role": Role.PRODUCT_TEAM_MEMBER,
    },
    {
        "username": "sam",
        "first_name": "Sam",
        "last_name": "Whitfield",
        "job_title": "Service Desk Analyst",
        "role": Role.SERVICE_DESK_AGENT,
    },
    {
        "username": "sunil",
        "first_name": "Sunil",
        "last_name": "Rao",
        "job_title": "Operations Engineer, Atlas Managed Services",
        "role": Role.SUPPLIER_AGENT,
        "supplier": MSP,
    },
    {
        "username": "rita",
        "first_name": "Rita",
        "last_name": "Fernández",
        "job_title": "Relationship Manager, Corporate Banking",
        "role": Role.REQUESTER,
    },
    {
        "username": "audrey",
        "first_name": "Audrey",
        "last_name": "Klein",
        "job_title": "Internal Auditor, IT Risk",
        "role": Role.AUDITOR,
    },
]

# (username, role label, what to try) — printed by `bimodal demo` and used in the docs.
DEMO_LOGINS: list[tuple[str, str, str]] = [
    ("admin", "Administrator", "Everything, including the Django admin at /admin/ and the audit log"),
    (
        "gloria",
        "Governance lead",
        "Insights → CIO dashboard (CSAT beside SLA attainment); Service desk → Customer satisfaction, and "
        "route any ticket in View *Triage*; Governance → decision rights and the bureaucracy report; "
        "Delivery → contention",
    ),
    (
        "chris",
        "Change manager",
        "Changes → CAB agenda and calendar; Insights → Mode 1 operations and the Detect-to-Correct heat map",
    ),
    (
        "carla",
        "CAB member",
        "Governance → Forums & meetings → the CAB’s meeting, agenda and minutes; vote on changes awaiting the CAB",
    ),
    (
        "owen",
        "Service owner",
        "Decide a demand at the portfolio board (Governance → Decisions); edit Core Banking System",
    ),
    (
        "pat",
        "Product team member",
        "Delivery → the Mobile Banking Squad’s initiative and kanban board; Insights → Mode 2 delivery (DORA)",
    ),
    (
        "sam",
        "Service-desk agent",
        "Service desk → the queue, View *Triage* for the unassigned work; open rita's *Restore from backup* "
        "request, assign it to Atlas Operations (outsourced) and watch its supplier clock (it stays in View "
        "*With suppliers*); link a knowledge article to a ticket",
    ),
    (
        "sunil",
        "Supplier agent",
        "Sees only Atlas Managed Services’ queue, contracts and scorecard; resolve a ticket in the queue",
    ),
    (
        "rita",
        "Requester",
        "Raise a request from the catalogue or report an incident (it is routed to the service desk's "
        'triage; type "password" as its title to be offered a knowledge article); rate her latest resolved '
        'request on its page ("How satisfied are you with the resolution?"); put an idea into Delivery → Demand',
    ),
    ("audrey", "Auditor (read-only)", "Reads everything, including the audit log; changes nothing"),
]

ORG_UNITS: list[dict] = [
    {
        "slug": "retail-banking",
        "name": "Retail Banking",
        "governance_model": "federated",
        "description": "Current accounts, savings, cards, mortgages and personal loans for 3.2 million "
        "customers.",
    },
    {
        "slug": "digital-banking",
        "name": "Digital Banking",
        "parent": "retail-banking",
        "governance_model": "agile",
        "description": "Mobile and web banking, open banking and digital wealth: autonomous product squads.",
    },
    {
        "slug": "corporate-banking",
        "name": "Corporate Banking",
        "governance_model": "centralised",
        "description": "Lending, treasury and trade services for corporate and SME clients.",
    },
    {
        "slug": "technology",
        "name": "Technology",
        "governance_model": "centralised",
        "head": "gloria",
        "description": "Group technology: core platforms, infrastructure, cloud, data and security.",
    },
    {
        "slug": "operations",
        "name": "Operations",
        "governance_model": "federated",
        "description": "Service desk, IT operations and supplier management.",
    },
    {
        "slug": "finance",
        "name": "Finance",
        "governance_model": "centralised",
        "description": "Group finance, treasury control and regulatory reporting.",
    },
    {
        "slug": "people-hr",
        "name": "People & HR",
        "governance_model": "federated",
        "description": "Human resources, payroll and learning.",
    },
]

TEAMS: list[dict] = [
    {
        "slug": "core-banking-platform",
        "name": "Core Banking Platform",
        "kind": "platform",
        "org_unit": "technology",
        "lead": "owen",
        "members": ["owen"],
        "email": "core-banking@northbridge.example.com",
        "chat_channel": "#core-banking",
        "description": "Runs the core banking system, lending platforms and their batch.",
    },
    {
        "slug": "payments-engineering",
        "name": "Payments Engineering",
        "kind": "platform",
        "org_unit": "technology",
        "members": ["owen"],
        "email": "payments@northbridge.example.com",
        "chat_channel": "#payments",
        "description": "Payments switch, SWIFT, cards and fraud.",
    },
    {
        "slug": "ledger-finance-systems",
        "name": "Ledger & Finance Systems",
        "kind": "product",
        "org_unit": "finance",
        "email": "finance-systems@northbridge.example.com",
        "chat_channel": "#finance-systems",
        "description": "General ledger, treasury and regulatory reporting systems.",
    },
    {
        "slug": "hr-systems",
        "name": "HR Systems",
        "kind": "product",
        "org_unit": "people-hr",
        "email": "hr-systems@northbridge.example.com",
        "chat_channel": "#hr-systems",
        "description": "HR, payroll and employee self-service.",
    },
    {
        "slug": "mobile-banking-squad",
        "name": "Mobile Banking Squad",
        "kind": "product",
        "org_unit": "digital-banking",
        "members": ["pat"],
        "email": "mobile-squad@northbridge.example.com",
        "chat_channel": "#squad-mobile",
        "description": "Builds and runs the mobile banking app and digital onboarding (you build it, you run it).",
    },
    {
        "slug": "digital-channels",
        "name": "Digital Channels",
        "kind": "product",
        "org_unit": "digital-banking",
        "email": "digital-channels@northbridge.example.com",
        "chat_channel": "#digital-channels",
        "description": "Customer portal, open-banking APIs, notifications and the chatbot.",
    },
    {
        "slug": "robo-advisor-squad",
        "name": "Robo-Advisor Squad",
        "kind": "product",
        "org_unit": "digital-banking",
        "email": "robo-squad@northbridge.example.com",
        "chat_channel": "#squad-robo",
        "description": "Automated investment advice for retail customers.",
    },
    {
        "slug": "data-platform-team",
        "name": "Data Platform",
        "kind": "platform",
        "org_unit": "technology",
        "email": "data-platform@northbridge.example.com",
        "chat_channel": "#data-platform",
        "description": "Cloud data platform, the legacy data warehouse and machine-learning models.",
    },
    {
        "slug": "cloud-platform",
        "name": "Cloud Platform",
        "kind": "platform",
        "org_unit": "technology",
        "email": "cloud-platform@northbridge.example.com",
        "chat_channel": "#cloud-platform",
        "description": "Landing zone, CI/CD and observability for the digital teams.",
    },
    {
        "slug": "service-desk",
        "name": "IT Service Desk",
        "kind": "service_desk",
        "org_unit": "operations",
        "members": ["sam"],
        "email": "servicedesk@northbridge.example.com",
        "chat_channel": "#service-desk",
        "description": "First line for staff and branches, 07:00–20:00 weekdays; Atlas covers out of hours.",
    },
    {
        "slug": "security-identity",
        "name": "Security & Identity",
        "kind": "enabling",
        "org_unit": "technology",
        "email": "security@northbridge.example.com",
        "chat_channel": "#security",
        "description": "Identity and access management, security engineering and guidance.",
    },
    {
        "slug": "atlas-operations",
        "name": "Atlas Operations (outsourced)",
        "kind": "supplier",
        "org_unit": "operations",
        "supplier": MSP,
        "members": ["sunil"],
        "email": "northbridge-ops@atlas-managed.example.com",
        "chat_channel": "#atlas-ops",
        "description": "Atlas Managed Services' team that operates the data centre, network, mainframe and ATMs.",
    },
]

CAPABILITIES = [
    "Accounts",
    "Payments",
    "Lending",
    "Cards",
    "Customer Engagement",
    "Wealth & Investments",
    "Risk & Compliance",
    "Finance",
    "HR",
    "Data & Analytics",
    "Technology Infrastructure",
    "Security",
]

REGULATORY_TAGS = [
    "PCI DSS",
    "SOX",
    "GDPR",
    "EU DORA",
    "PSD2",
    "Basel III",
    "EU AMLD",
    "MiFID II",
    "SWIFT CSP",
    "EU AI Act",
]

# Each service's place on the axis from stability (0) to exploration (1); the loader gives it the chosen
# preset's nearest mode. The services in the middle of the bank (shared platforms, data, identity, the
# web channels) lean to one side, so under bimodal they keep that side and under a preset with a middle
# mode (trimodal, pace-layered) they take it.
_M1, _M2 = STABLE, EXPLORATORY
_LEAN_STABLE, _LEAN_EXPLORATORY = Decimal("0.40"), Decimal("0.60")
MIDDLE_SERVICES = {
    "identity-access": _LEAN_STABLE,
    "data-warehouse": _LEAN_STABLE,
    "email-collaboration": _LEAN_STABLE,
    "internet-banking-legacy": _LEAN_STABLE,
    "contact-centre": _LEAN_STABLE,
    "open-banking-api": _LEAN_EXPLORATORY,
    "customer-portal": _LEAN_EXPLORATORY,
    "data-platform": _LEAN_EXPLORATORY,
    "cloud-landing-zone": _LEAN_EXPLORATORY,
    "ci-cd-platform": _LEAN_EXPLORATORY,
    "observability": _LEAN_EXPLORATORY,
}


def _svc(slug: str, name: str, side: Decimal, team: str, capability: str, **fields) -> dict:
    """One service entry with the demo's defaults (live, tier 2, internal, on-premises, business hours);
    `place` is where it sits on the axis (its side, or nearer the middle for the middle services)."""
    return {
        "slug": slug,
        "name": name,
        "place": MIDDLE_SERVICES.get(slug, side),
        "owner_team": team,
        "capability": capability,
        "lifecycle": fields.pop("lifecycle", "live"),
        "criticality": fields.pop("criticality", 2),
        "data_classification": fields.pop("data", "internal"),
        "hosting": fields.pop("hosting", "on_premises"),
        "support_coverage": fields.pop("coverage", "business_hours"),
        "regulatory_tags": fields.pop("tags", []),
        **fields,
    }


SERVICES: list[dict] = [
    # ---- Mode 1: systems of record, stability first ----
    _svc(
        "core-banking", "Core Banking System", _M1, "core-banking-platform", "Accounts",
        service_owner="owen", criticality=0, data="restricted", hosting="mainframe", coverage="24x7",
        tags=["EU DORA", "Basel III", "GDPR", "SOX"], supplier="meridian-core-systems",
        availability_target="99.990",
        description="Accounts, balances and postings for every retail and corporate customer.",
    ),
    _svc(
        "payments-switch", "Payments Switch", _M1, "payments-engineering", "Payments",
        criticality=0, data="restricted", coverage="24x7", tags=["PCI DSS", "PSD2", "EU DORA"],
        availability_target="99.990",
        description="Routes Faster Payments, SEPA and card settlement between channels and schemes.",
    ),
    _svc(
        "swift-gateway", "SWIFT Gateway", _M1, "payments-engineering", "Payments",
        criticality=0, data="restricted", coverage="24x7", tags=["SWIFT CSP", "EU DORA", "EU AMLD"],
        availability_target="99.950", description="Cross-border payments and MT/ISO 20022 messaging.",
    ),
    _svc(
        "card-management", "Card Management", _M1, "payments-engineering", "Cards",
        criticality=0, data="restricted", coverage="24x7", tags=["PCI DSS", "EU DORA"],
        supplier="meridian-core-systems", availability_target="99.950",
        description="Card issuing, limits, PIN management and authorisations.",
    ),
    _svc(
        "fraud-detection", "Fraud Detection", _M1, "payments-engineering", "Risk & Compliance",
        criticality=0, data="restricted", coverage="24x7", tags=["PCI DSS", "PSD2", "GDPR"],
        availability_target="99.950", description="Real-time scoring of payments and card transactions.",
    ),
    _svc(
        "aml-screening", "AML Screening", _M1, "core-banking-platform", "Risk & Compliance",
        criticality=1, data="restricted", coverage="24x7", tags=["EU AMLD", "GDPR"],
        availability_target="99.900", description="Sanctions and anti-money-laundering screening.",
    ),
    _svc(
        "general-ledger", "General Ledger", _M1, "ledger-finance-systems", "Finance",
        criticality=1, data="confidential", coverage="extended_hours", tags=["SOX", "Basel III"],
        availability_target="99.500", description="Group general ledger and month-end close.",
    ),
    _svc(
        "treasury", "Treasury Management", _M1, "ledger-finance-systems", "Finance",
        criticality=1, data="confidential", coverage="extended_hours",
        tags=["Basel III", "SOX", "EU DORA"], availability_target="99.500",
        description="Liquidity, funding and FX dealing.",
    ),
    _svc(
        "regulatory-reporting", "Regulatory Reporting", _M1, "ledger-finance-systems",
        "Risk & Compliance", criticality=1, data="confidential", tags=["Basel III", "SOX", "EU DORA"],
        description="COREP, FINREP and liquidity returns to the regulator.",
    ),
    _svc(
        "loan-origination", "Loan Origination", _M1, "core-banking-platform", "Lending",
        criticality=1, data="confidential", coverage="extended_hours", tags=["GDPR", "Basel III"],
        availability_target="99.500", description="Personal loans and mortgages from application to drawdown.",
    ),
    _svc(
        "corporate-lending", "Corporate Lending Platform", _M1, "core-banking-platform", "Lending",
        criticality=1, data="confidential", tags=["Basel III", "SOX"], availability_target="99.500",
        description="Facilities, covenants and syndicated loans for corporate clients.",
    ),
    _svc(
        "mainframe-batch", "Mainframe Batch", _M1, "core-banking-platform", "Accounts",
        service_owner="owen", criticality=0, data="confidential", hosting="mainframe", coverage="24x7",
        tags=["EU DORA"], supplier=MSP, availability_target="99.900",
        description="Overnight batch: interest, fees, statements and end-of-day postings; run by Atlas.",
    ),
    _svc(
        "identity-access", "Identity & Access Management", _M1, "security-identity", "Security",
        criticality=0, data="restricted", hosting="hybrid", coverage="24x7",
        tags=["SOX", "EU DORA", "GDPR"], availability_target="99.950",
        description="Workforce and customer sign-in, MFA and access reviews.",
    ),
    _svc(
        "data-warehouse", "Enterprise Data Warehouse", _M1, "data-platform-team", "Data & Analytics",
        lifecycle="sunsetting", criticality=2, data="confidential", tags=["GDPR", "Basel III"],
        description="Legacy warehouse feeding risk and finance reporting; replaced by the Cloud Data Platform.",
    ),
    _svc(
        "hr-system", "HR System", _M1, "hr-systems", "HR",
        criticality=2, data="restricted", hosting="saas", tags=["GDPR"], supplier="peoplesphere",
        availability_target="99.500", description="Employee records, organisation and absence.",
    ),
    _svc(
        "payroll", "Payroll", _M1, "hr-systems", "HR",
        criticality=1, data="restricted", hosting="saas", tags=["GDPR", "SOX"], supplier="peoplesphere",
        availability_target="99.500", description="Monthly payroll for 9,000 employees.",
    ),
    _svc(
        "datacentre-hosting", "Data Centre Hosting", _M1, "atlas-operations", "Technology Infrastructure",
        criticality=0, coverage="24x7", tags=["EU DORA"], supplier=MSP, availability_target="99.990",
        description="Two data centres: compute, storage and the mainframe, operated by Atlas.",
    ),
    _svc(
        "network-services", "Network Services", _M1, "atlas-operations", "Technology Infrastructure",
        criticality=0, coverage="24x7", tags=["EU DORA"], supplier=MSP, availability_target="99.990",
        description="WAN, branch network, firewalls and internet links.",
    ),
    _svc(
        "backup-recovery", "Backup & Recovery", _M1, "atlas-operations", "Technology Infrastructure",
        criticality=1, data="restricted", coverage="24x7", tags=["EU DORA"], supplier=MSP,
        description="Backups, immutable copies and disaster-recovery tests.",
    ),
    _svc(
        "atm-network", "ATM Network", _M1, "atlas-operations", "Cards",
        criticality=1, data="restricted", coverage="24x7", tags=["PCI DSS"], supplier=MSP,
        availability_target="99.500", description="850 ATMs: monitoring, cash management and field engineers.",
    ),
    _svc(
        "contact-centre", "Contact Centre Telephony", _M1, "service-desk", "Customer Engagement",
        criticality=1, data="confidential", hosting="hybrid", coverage="extended_hours",
        tags=["PCI DSS", "GDPR"], supplier=MSP, availability_target="99.500",
        description="Telephony, IVR and call recording for customer service.",
    ),
    _svc(
        "internet-banking-legacy", "Internet Banking (legacy)", _M1, "digital-channels",
        "Customer Engagement", lifecycle="sunsetting", criticality=1, data="restricted", coverage="24x7",
        tags=["PSD2", "GDPR", "PCI DSS"], availability_target="99.500",
        description="The 2009 internet bank; customers are moving to the Customer Portal.",
    ),
    _svc(
        "statement-printing", "Statement Printing", _M1, "ledger-finance-systems", "Customer Engagement",
        criticality=3, data="confidential", hosting="saas", tags=["GDPR"], supplier="inkwell-print-mail",
        description="Paper statements and letters, printed and posted by Inkwell.",
    ),
    _svc(
        "email-collaboration", "Email & Collaboration", _M1, "cloud-platform", "Technology Infrastructure",
        criticality=2, data="confidential", hosting="saas", tags=["GDPR"],
        description="Staff email, calendars, chat and documents.",
    ),
    # ---- Mode 2: digital, agility first ----
    _svc(
        "mobile-banking-app", "Mobile Banking App", _M2, "mobile-banking-squad", "Customer Engagement",
        criticality=1, data="confidential", hosting="public_cloud", coverage="24x7",
        tags=["PSD2", "GDPR"], availability_target="99.900",
        description="iOS and Android app used by 1.9 million customers; released several times a week.",
    ),
    _svc(
        "onboarding-kyc", "Digital Onboarding & KYC", _M2, "mobile-banking-squad", "Accounts",
        criticality=1, data="restricted", hosting="public_cloud", coverage="24x7",
        tags=["EU AMLD", "GDPR"], availability_target="99.900",
        description="Open an account in minutes: ID document check, liveness and KYC.",
    ),
    _svc(
        "spending-insights", "Spending Insights", _M2, "mobile-banking-squad", "Customer Engagement",
        lifecycle="proposed", criticality=3, data="confidential", hosting="public_cloud",
        coverage="best_effort", tags=["GDPR"],
        description="Categorised spending and budgets in the app (discovery).",
    ),
    _svc(
        "customer-portal", "Customer Portal", _M2, "digital-channels", "Customer Engagement",
        criticality=1, data="confidential", hosting="public_cloud", coverage="24x7",
        tags=["PSD2", "GDPR"], availability_target="99.900",
        description="The new web bank for retail and SME customers.",
    ),
    _svc(
        "open-banking-api", "Open Banking API Gateway", _M2, "digital-channels", "Payments",
        criticality=0, data="restricted", hosting="hybrid", coverage="24x7",
        tags=["PSD2", "EU DORA", "GDPR"], availability_target="99.950",
        description="APIs for our channels and for third-party providers under PSD2.",
    ),
    _svc(
        "developer-portal", "Developer Portal", _M2, "digital-channels", "Payments",
        criticality=3, data="public", hosting="public_cloud", coverage="best_effort", tags=["PSD2"],
        description="Documentation, sandbox and keys for third-party developers.",
    ),
    _svc(
        "notifications", "Customer Notifications", _M2, "digital-channels", "Customer Engagement",
        criticality=2, data="confidential", hosting="public_cloud", coverage="24x7", tags=["GDPR"],
        availability_target="99.900", description="Push, SMS and email to customers.",
    ),
    _svc(
        "chatbot", "Customer Chatbot", _M2, "digital-channels", "Customer Engagement",
        lifecycle="in_development", criticality=3, data="confidential", hosting="saas",
        tags=["GDPR", "EU AI Act"], description="Conversational assistant in the app and the portal.",
    ),
    _svc(
        "experimentation", "Experimentation Platform", _M2, "digital-channels", "Customer Engagement",
        criticality=3, hosting="public_cloud", coverage="best_effort",
        description="Feature flags and A/B tests for the digital channels.",
    ),
    _svc(
        "robo-advisor", "Robo-Advisor", _M2, "robo-advisor-squad", "Wealth & Investments",
        criticality=2, data="confidential", hosting="public_cloud", coverage="extended_hours",
        tags=["MiFID II", "GDPR"], availability_target="99.500",
        description="Goal-based investing with automatic rebalancing.",
    ),
    _svc(
        "data-platform", "Cloud Data Platform", _M2, "data-platform-team", "Data & Analytics",
        criticality=2, data="confidential", hosting="public_cloud", tags=["GDPR", "Basel III"],
        supplier="stratus-cloud", description="Lakehouse with streaming ingestion and self-service analytics.",
    ),
    _svc(
        "credit-decisioning", "Credit Decisioning Models", _M2, "data-platform-team", "Lending",
        lifecycle="in_development", criticality=1, data="restricted", hosting="public_cloud",
        tags=["GDPR", "EU AI Act", "Basel III"],
        description="Machine-learning credit scores for loans and buy-now-pay-later.",
    ),
    _svc(
        "buy-now-pay-later", "Buy Now Pay Later", _M2, "mobile-banking-squad", "Lending",
        lifecycle="proposed", criticality=2, data="restricted", hosting="public_cloud",
        tags=["GDPR", "PSD2"], description="Split card purchases into instalments (proposal).",
    ),
    _svc(
        "cloud-landing-zone", "Cloud Landing Zone", _M2, "cloud-platform", "Technology Infrastructure",
        criticality=1, hosting="public_cloud", coverage="24x7", tags=["EU DORA"], supplier="stratus-cloud",
        availability_target="99.950", description="Accounts, networking and guard-rails for cloud workloads.",
    ),
    _svc(
        "ci-cd-platform", "CI/CD Platform", _M2, "cloud-platform", "Technology Infrastructure",
        criticality=2, hosting="public_cloud", coverage="extended_hours",
        description="Pipelines, artefacts and the deployment gate used by every squad.",
    ),
    _svc(
        "observability", "Observability Platform", _M2, "cloud-platform", "Technology Infrastructure",
        criticality=2, hosting="public_cloud", coverage="24x7",
        description="Metrics, logs, traces and alerting for cloud services.",
    ),
    _svc(
        "employee-self-service", "Employee Self-Service App", _M2, "hr-systems", "HR",
        criticality=3, data="confidential", hosting="public_cloud", tags=["GDPR"],
        description="Payslips, holiday requests and expenses on the phone.",
    ),
]  # fmt: skip

# (source, target, kind, description): `source` depends on `target`. No cycles within one kind.
DEPENDENCIES: list[tuple[str, str, str, str]] = [
    # Runtime calls: channels → API gateway → systems of record.
    ("mobile-banking-app", "open-banking-api", "runtime", "All account and payment calls"),
    ("mobile-banking-app", "onboarding-kyc", "runtime", "New customers"),
    ("mobile-banking-app", "notifications", "runtime", "Push notifications"),
    ("mobile-banking-app", "experimentation", "runtime", "Feature flags"),
    ("customer-portal", "open-banking-api", "runtime", "All account and payment calls"),
    ("customer-portal", "notifications", "runtime", "Email and SMS"),
    ("customer-portal", "experimentation", "runtime", "Feature flags"),
    ("chatbot", "open-banking-api", "runtime", "Balance and transaction look-ups"),
    ("robo-advisor", "open-banking-api", "runtime", "Funding transfers"),
    ("developer-portal", "open-banking-api", "runtime", "Sandbox"),
    ("open-banking-api", "core-banking", "runtime", "Accounts and balances"),
    ("open-banking-api", "payments-switch", "runtime", "Payment initiation"),
    ("open-banking-api", "card-management", "runtime", "Card controls"),
    ("onboarding-kyc", "core-banking", "runtime", "Account opening"),
    ("onboarding-kyc", "aml-screening", "runtime", "Sanctions check"),
    ("payments-switch", "core-banking", "runtime", "Debits and credits"),
    ("payments-switch", "swift-gateway", "runtime", "Cross-border payments"),
    ("payments-switch", "fraud-detection", "runtime", "Real-time fraud score"),
    ("payments-switch", "aml-screening", "runtime", "Sanctions screening"),
    ("payments-switch", "notifications", "runtime", "Payment confirmations"),
    ("swift-gateway", "aml-screening", "runtime", "Sanctions screening"),
    ("card-management", "core-banking", "runtime", "Card account postings"),
    ("card-management", "fraud-detection", "runtime", "Authorisation scoring"),
    ("atm-network", "card-management", "runtime", "Authorisations"),
    ("contact-centre", "core-banking", "runtime", "Customer look-up"),
    ("contact-centre", "card-management", "runtime", "Block and replace cards"),
    ("internet-banking-legacy", "core-banking", "runtime", "Accounts and balances"),
    ("internet-banking-legacy", "payments-switch", "runtime", "Payments"),
    ("mainframe-batch", "core-banking", "runtime", "End-of-day processing"),
    ("loan-origination", "core-banking", "runtime", "Loan account opening"),
    ("corporate-lending", "core-banking", "runtime", "Facility accounts"),
    ("corporate-lending", "treasury", "runtime", "Funding and pricing"),
    ("treasury", "swift-gateway", "runtime", "Settlement"),
    ("buy-now-pay-later", "credit-decisioning", "runtime", "Instant credit decision"),
    ("buy-now-pay-later", "card-management", "runtime", "Instalment plans"),
    ("employee-self-service", "hr-system", "runtime", "Employee records"),
    # Data feeds.
    ("data-platform", "core-banking", "data", "Daily and streaming account events"),
    ("data-platform", "payments-switch", "data", "Payment events"),
    ("data-platform", "card-management", "data", "Card transactions"),
    ("data-platform", "mobile-banking-app", "data", "App analytics events"),
    ("data-warehouse", "core-banking", "data", "Nightly extracts"),
    ("data-warehouse", "general-ledger", "data", "Ledger balances"),
    ("general-ledger", "core-banking", "data", "End-of-day postings"),
    ("general-ledger", "payroll", "data", "Payroll journals"),
    ("general-ledger", "treasury", "data", "Treasury deals"),
    ("regulatory-reporting", "data-warehouse", "data", "Risk data"),
    ("regulatory-reporting", "general-ledger", "data", "Financial statements"),
    ("fraud-detection", "data-platform", "data", "Model features"),
    ("credit-decisioning", "data-platform", "data", "Training data"),
    ("robo-advisor", "data-platform", "data", "Customer profiles"),
    ("spending-insights", "data-platform", "data", "Categorised transactions"),
    ("statement-printing", "mainframe-batch", "data", "Statement files"),
    ("payroll", "hr-system", "data", "Employees and pay grades"),
    # Authentication.
    ("mobile-banking-app", "identity-access", "authentication", "Customer sign-in"),
    ("customer-portal", "identity-access", "authentication", "Customer sign-in"),
    ("open-banking-api", "identity-access", "authentication", "OAuth consent"),
    ("core-banking", "identity-access", "authentication", "Staff access"),
    ("payments-switch", "identity-access", "authentication", "Staff access"),
    ("general-ledger", "identity-access", "authentication", "Staff access"),
    ("treasury", "identity-access", "authentication", "Staff access"),
    ("hr-system", "identity-access", "authentication", "Single sign-on"),
    ("data-platform", "identity-access", "authentication", "Single sign-on"),
    ("ci-cd-platform", "identity-access", "authentication", "Single sign-on"),
    ("email-collaboration", "identity-access", "authentication", "Single sign-on"),
    # Runs on.
    ("core-banking", "datacentre-hosting", "infrastructure", "Mainframe LPARs"),
    ("mainframe-batch", "datacentre-hosting", "infrastructure", "Mainframe"),
    ("payments-switch", "datacentre-hosting", "infrastructure", ""),
    ("swift-gateway", "datacentre-hosting", "infrastructure", ""),
    ("card-management", "datacentre-hosting", "infrastructure", ""),
    ("general-ledger", "datacentre-hosting", "infrastructure", ""),
    ("identity-access", "datacentre-hosting", "infrastructure", "Directory servers"),
    ("backup-recovery", "datacentre-hosting", "infrastructure", ""),
    ("datacentre-hosting", "network-services", "infrastructure", ""),
    ("mobile-banking-app", "cloud-landing-zone", "infrastructure", ""),
    ("customer-portal", "cloud-landing-zone", "infrastructure", ""),
    ("open-banking-api", "cloud-landing-zone", "infrastructure", "API layer in the cloud"),
    ("onboarding-kyc", "cloud-landing-zone", "infrastructure", ""),
    ("data-platform", "cloud-landing-zone", "infrastructure", ""),
    ("ci-cd-platform", "cloud-landing-zone", "infrastructure", ""),
    ("observability", "cloud-landing-zone", "infrastructure", ""),
    ("cloud-landing-zone", "network-services", "infrastructure", "Private interconnect"),
]
