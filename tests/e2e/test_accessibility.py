"""Accessibility as a test: axe-core checks every main page of every area, as two people who between them
see all of them — the administrator (every area) and a requester (the portal side of the service desk).

A page fails on any violation axe rates `serious` or `critical` (WCAG 2.x A and AA, and axe's best practices);
the message names the page, the rule, its impact and the elements. axe-core is vendored in
`tests/e2e/vendor/axe-core/` (its README says which version and how to update it) and injected into the page by
the test only: users are never served it, and nothing is downloaded when the tests run.

The demo organisation is loaded once for the module (so every page has real rows to show) and served by a
live server of the module's own; the database is flushed afterwards, as after any browser test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test import Client, override_settings
from django.urls import reverse

from bimodal.core.models import User
from bimodal.core.navigation import AREAS, areas_for
from tests.house_rules.visible import internal_keys, visible_text

AXE_DIR = Path(__file__).parent / "vendor" / "axe-core"
AXE_VERSION = "4.14.1"
FAILING_IMPACTS = {"serious", "critical"}

# Each test runs in a transaction rolled back after it (the test database is only created for tests that ask
# for it); the module's demo data is committed before, and flushed after the module.
pytestmark = pytest.mark.django_db

Path_ = str | Callable[[], str]


def _first(model_path: str, **filters) -> Callable[[], str]:
    """The page of the first demo row of a model matching the filters (looked up once the demo is loaded)."""

    def _url() -> str:
        from django.apps import apps

        obj = apps.get_model(model_path).objects.filter(**filters).order_by("pk").first()
        assert obj is not None, f"the demo organisation has no {model_path} matching {filters}"
        return obj.get_absolute_url()

    return _url


# Every area's landing page, as the navigation lists it …
AREA_PAGES: dict[str, Path_] = {f"area {a.key}": reverse(a.url_name) for a in AREAS}

# … and the main list, detail and dashboard pages of each area (demo identifiers).
MAIN_PAGES: dict[str, Path_] = {
    "service": "/portfolio/services/atm-network/",
    "portfolio map": "/portfolio/map/",
    "mode": "/portfolio/modes/mode-1/",
    "assessments": "/portfolio/assessments/",
    "assessment": _first("portfolio.Assessment"),
    "policy": _first("governance.Policy"),
    "forums": "/governance/forums/",
    "forum (CAB)": "/governance/forums/cab/",
    "meeting": _first("governance.Meeting"),
    "decisions": "/governance/decisions/",
    "decision": _first("governance.DecisionRequest"),
    "change": _first("changes.Change"),
    "CAB agenda": "/changes/cab/",
    "change calendar": "/changes/calendar/",
    "ticket": _first("servicedesk.Ticket"),
    "portal": "/servicedesk/portal/",
    "catalogue item": "/servicedesk/portal/access-request/",
    "satisfaction": "/servicedesk/satisfaction/",
    "knowledge article": _first("knowledge.Article", state="published"),
    "supplier": "/suppliers/atlas-managed-services/",
    "scorecard": "/suppliers/atlas-managed-services/scorecard/",
    "initiative (agile)": "/delivery/initiatives/INI-001/",
    "initiative (waterfall)": "/delivery/initiatives/INI-003/",
    "kanban board": "/delivery/initiatives/INI-001/board/",
    "demand": "/delivery/demand/",
    "capacity": "/delivery/capacity/",
    "low-code register": "/registers/low-code/",
    "low-code app": _first("registers.LowCodeApp"),
    "AI register": "/registers/ai/",
    "cloud register": "/registers/cloud/",
    "skills gaps": "/people/gaps/",
    "Mode 1 operations": "/insights/operations/",
    "Mode 2 delivery": "/insights/delivery/",
    "heat map": "/insights/value-streams/detect-to-correct/",
    "maturity": "/insights/maturity/",
    "notifications": "/servicedesk/notifications/",
}

ADMIN_PAGES = {**AREA_PAGES, **MAIN_PAGES}

# What a requester sees: the areas of her navigation and the pages of her own requests.
REQUESTER_PAGES: dict[str, Path_] = {
    "area home": "/",
    "area portfolio": "/portfolio/services/",
    "area modes": "/portfolio/modes/",
    "area servicedesk": "/servicedesk/",
    "area knowledge": "/knowledge/",
    "area delivery": "/delivery/",
    "area registers": "/registers/",
    "portal": "/servicedesk/portal/",
    "catalogue item": "/servicedesk/portal/access-request/",
    "her ticket": _first("servicedesk.Ticket", requester__username="rita"),
    "notifications": "/servicedesk/notifications/",
}


@pytest.fixture(scope="module")
def demo_server(django_db_setup, django_db_blocker):
    """The demo organisation behind a live server, for the whole module; the database is flushed after it."""
    from pytest_django.live_server_helper import LiveServer

    from bimodal.demo.loader import load_demo

    with django_db_blocker.unblock():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            load_demo()
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            for alias in connections:
                call_command("flush", database=alias, interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def contexts(browser, demo_server):
    """person(username) → a browser context signed in as that demo user (one per person for the module)."""
    opened: dict[str, object] = {}

    def _context(username: str):
        if username not in opened:
            client = Client()
            client.force_login(User.objects.get(username=username))
            context = browser.new_context(base_url=demo_server.url, viewport={"width": 1366, "height": 900})
            context.set_default_timeout(15_000)
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": demo_server.url,
                    }
                ]
            )
            opened[username] = context
        return opened[username]

    yield _context
    for context in opened.values():
        context.close()  # type: ignore[attr-defined]


def _violations(context, path: Path_) -> tuple[str, list[dict]]:
    """Open the page, run axe on it and return its URL and the violations that fail the test. The page's
    visible text, over the demo organisation's data, is read for internal keys too (the house rule of
    tests/house_rules/test_visible_text.py, there over its own smaller world): a key found is reported as a
    violation of its own, `internal-key`."""
    url = path() if callable(path) else path
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    try:
        response = page.goto(url)
        assert response is not None and response.status == 200, (
            f"{url} answered {response and response.status}"
        )
        page.wait_for_load_state("load")
        # Evaluated through the DevTools protocol, so the page's Content-Security-Policy (no inline script)
        # does not apply to it; the page itself is unchanged.
        page.evaluate((AXE_DIR / "axe.min.js").read_text() + "\n;0")
        version = page.evaluate("axe.version")
        assert version == AXE_VERSION, f"vendored axe-core is {version}, AXE_VERSION says {AXE_VERSION}"
        keys = internal_keys(visible_text(page.content()))
        violations = page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
                }));
            }"""
        )
    finally:
        page.close()
    assert refused == [], refused
    if keys:
        shown = [{"target": key, "summary": "shown to people as it is stored"} for key in sorted(keys)]
        violations.append(
            {"id": "internal-key", "impact": "serious", "help": "Pages show display names", "nodes": shown}
        )
    return url, [v for v in violations if v["impact"] in FAILING_IMPACTS]


def _report(who: str, name: str, url: str, violations: list[dict]) -> str:
    """A readable failure: one paragraph per rule, the elements it found and what axe says to fix."""
    lines = [f"{len(violations)} serious/critical accessibility violation(s) on {name} ({url}) as {who}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']} — {summary[:240]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


@pytest.mark.parametrize("name", list(ADMIN_PAGES))
def test_page_has_no_serious_violation_as_the_administrator(contexts, name):
    url, violations = _violations(contexts("admin"), ADMIN_PAGES[name])
    assert violations == [], _report("admin", name, url, violations)


@pytest.mark.parametrize("name", list(REQUESTER_PAGES))
def test_page_has_no_serious_violation_as_a_requester(contexts, name):
    url, violations = _violations(contexts("rita"), REQUESTER_PAGES[name])
    assert violations == [], _report("rita", name, url, violations)


@pytest.mark.parametrize(("username", "pages"), [("admin", ADMIN_PAGES), ("rita", REQUESTER_PAGES)])
def test_every_area_in_the_navigation_is_checked(demo_server, rf, username, pages):
    """A new area in the navigation is checked as soon as it appears (or this test says it is missing)."""
    request = rf.get("/")
    request.user = User.objects.get(username=username)
    checked = {p for p in pages.values() if isinstance(p, str)}
    missing = [a.label for a in areas_for(request) if reverse(a.url_name) not in checked]
    assert missing == [], f"{username}'s navigation has areas the accessibility test does not open: {missing}"


def test_the_vendored_axe_core_is_present_with_its_licence():
    assert (AXE_DIR / "axe.min.js").read_text().startswith(f"/*! axe v{AXE_VERSION}")
    assert "Mozilla Public License" in (AXE_DIR / "LICENSE").read_text()
