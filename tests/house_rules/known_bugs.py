"""Real bugs the generic house-rule tests found, by test id. Their cases are marked xfail(strict=True): they
fail while the bug is there, and once it is fixed they pass, which fails the run until the entry is removed
here. test_coverage.py checks that every entry names a case that exists."""

from __future__ import annotations

import pytest

KNOWN_BUGS: dict[str, str] = {
    "test_no_role_sees_nothing_and_writes_nothing[registers:lowcode_list]": (
        "registers.filtersets.LowCodeAppFilterSet.business_unit offers OrgUnit.objects.all(): the low-code "
        "register's filter lists every org unit's name to people who may not view org units"
    ),
    "test_every_page_names_a_real_row_or_choice[registers:import]": (
        "registers/urls.py: '<str:kind>/import/' comes after 'low-code/<slug:slug>/', 'ai/<slug:slug>/' and "
        "'cloud/<slug:slug>/', so /registers/low-code/import/ (the lists' 'Import CSV' button) resolves to "
        "the item detail with slug 'import': the register CSV import page cannot be reached (404)"
    ),
    "test_partial_view_never_exceeds_the_restriction[/api/portfolio/dependencies/-agent]": (
        "portfolio.models.ServiceDependencyQuerySet.restriction shows a supplier agent every edge whose source "
        "names their supplier (Q(source__supplier_id=…)), while ServiceQuerySet.restriction uses "
        "suppliers.supplier_services_q (services under a current contract): through "
        "/api/portfolio/dependencies/ the agent reads the slugs of their supplier's services that are not "
        "under contract, which the service catalogue hides from them"
    ),
}

PARAMETRISED: set[str] = set()  # every "test[id]" params() has made, to find entries that name nothing


def params(test_name: str, items, ids):
    """pytest.param for each item, marked xfail(strict) when `test_name[id]` is a known bug."""
    marked = []
    for item, item_id in zip(items, ids, strict=True):
        case = f"{test_name}[{item_id}]"
        PARAMETRISED.add(case)
        reason = KNOWN_BUGS.get(case)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        marked.append(pytest.param(item, id=item_id, marks=marks))
    return marked
