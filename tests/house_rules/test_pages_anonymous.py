"""Rule: an anonymous visitor of any page is sent to the sign-in page, whatever the method, and writes
nothing."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url

from tests.house_rules.calls import audit_count, row_counts
from tests.house_rules.endpoints import pages
from tests.house_rules.exclusions import PAGES_EXCLUDED

pytestmark = pytest.mark.django_db

PAGES = [p for p in pages() if p.id not in PAGES_EXCLUDED]


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response.url.startswith(resolve_url(settings.LOGIN_URL) + "?next=")


@pytest.mark.parametrize("page", PAGES, ids=[p.id for p in PAGES])
def test_anonymous_is_sent_to_sign_in(page, client):
    url = page.route.url(page.route.dummy_values())
    before, audited = row_counts(), audit_count()
    answers = {"GET": client.get(url), "POST": client.post(url, {"name": "x", "reason": "x"})}
    assert row_counts() == before and audit_count() == audited
    statuses = {method: r.status_code for method, r in answers.items()}
    assert any(_is_login_redirect(r) for r in answers.values()), f"{url}: no sign-in redirect: {statuses}"
    # A method the page does not take may be refused (405) before the sign-in check, and nothing else.
    assert all(_is_login_redirect(r) or r.status_code == 405 for r in answers.values()), f"{url}: {statuses}"
