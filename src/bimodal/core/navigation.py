"""The areas of Bimodal shown in the navigation, each with a one-paragraph description (its tooltip)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class Area:
    """One navigation area."""

    key: str
    label: str
    icon: str
    url_name: str
    description: str = ""
    #: Shown to whoever holds any of these (none: everyone signed in) — the permission its landing page
    #: asks for, so no one is shown an area that answers 403 (a test checks every role against the pages).
    perms: tuple[str, ...] = ()


AREAS = [
    Area("home", "Dashboard", "◧", "home"),
    Area("portfolio", "Portfolio", "▦", "portfolio:service_list"),
    Area("modes", "Modes", "◑", "portfolio:mode_list", perms=("portfolio.view_mode",)),
    Area("organisation", "Teams & org units", "☷", "core:team_list", perms=("core.view_team",)),
    Area(
        "governance",
        "Governance",
        "⚖",
        "governance:policy_list",
        "Org units' governance models, decision rights (RACI), forums such as the CAB and portfolio board with "
        "agendas and minutes, and declarative CEL policies scoped by mode.",
        perms=("governance.view_policy",),
    ),
    Area(
        "changes",
        "Changes & deployments",
        "⇄",
        "changes:change_list",
        "One change record for both modes: CAB approval, change windows, freezes and conflict detection for "
        "Mode 1; a millisecond deployment gate for Mode 2 pipelines.",
        perms=("changes.view_change",),
    ),
    Area(
        "servicedesk",
        "Service desk",
        "☎",
        "servicedesk:queue",
        "Incidents, service requests and problems; the enterprise request catalogue (IT, HR, Finance, "
        "Facilities …) with SLA clocks on business-hours calendars.",
    ),
    Area(
        "knowledge",
        "Knowledge base",
        "✦",
        "knowledge:article_list",
        "How-tos, known fixes and troubleshooting articles about the services, reviewed before they are "
        "published, searched in full text and suggested on the request portal.",
        perms=("knowledge.view_article",),
    ),
    Area(
        "suppliers",
        "Suppliers",
        "⚙",
        "suppliers:supplier_list",
        "Suppliers and managed-service providers with contracts, coverage, SLA targets, service credits, "
        "scorecards from real tickets and MSP evaluation.",
        perms=("suppliers.view_supplier",),
    ),
    Area(
        "delivery",
        "Delivery",
        "⚑",
        "delivery:portfolio",
        "Demand intake and one portfolio of waterfall and agile initiatives, with budget and capacity by mode.",
        perms=("delivery.view_initiative", "delivery.view_demand"),
    ),
    Area(
        "registers",
        "Registers",
        "☰",
        "registers:dashboard",
        "Low-code apps, AI use cases and cloud accounts, each with risk scoring and required controls.",
    ),
    Area(
        "people",
        "People & skills",
        "☺",
        "people:matrix",
        "Skills matrix, what each mode needs, and gap analysis.",
        perms=("people.view_proficiency",),
    ),
    Area(
        "insights",
        "Insights",
        "◔",
        "insights:cio",
        "DORA metrics for Mode 2, stability KPIs for Mode 1, value-stream heat maps, maturity and drift.",
        perms=("insights.view_insights",),
    ),
    Area(
        "integrations",
        "Integrations",
        "⇅",
        "integrations:repository_list",
        "GitHub and GitLab repositories mapped to services: webhooks, deployments, commits and pull requests.",
        perms=("integrations.view_repository",),
    ),
    Area("audit", "Audit log", "✎", "core:audit_list", perms=("core.view_auditentry",)),
]
AREAS_BY_KEY = {area.key: area for area in AREAS}


def areas_for(request: HttpRequest) -> list[Area]:
    """The areas the user may open (docs/roles.md lists who sees what)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return [a for a in AREAS if not a.perms or any(user.has_perm(p) for p in a.perms)]
