"""Browser tests: Playwright driving Debian's Chromium against a live server."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("BIMODAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Playwright's sync API runs an event loop in this thread; the ORM calls made by tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """Every test here is an e2e test; without Chromium they skip (or fail where a browser is required)."""
    here = Path(__file__).parent
    missing = not CHROMIUM.exists()
    required = os.environ.get("BIMODAL_REQUIRE_BROWSER") == "1"
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)
            if missing and not required:
                item.add_marker(
                    pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: browser tests skipped")
                )


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is required (BIMODAL_REQUIRE_BROWSER=1) but {CHROMIUM} does not exist")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page; `page.goto("/path")` is relative to the live server."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    # The Content-Security-Policy refuses inline script: any refusal is a page that would break.
    refused: list[str] = []
    page.on(
        "console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    yield page
    context.close()
    assert refused == [], refused


@pytest.fixture
def login(page):
    """login(user) signs in through the login form (factory users have the password "pw")."""

    def _login(user, password="pw"):
        page.goto("/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=current-user]")
        return page

    return _login
