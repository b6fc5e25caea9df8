"""Every discovered page and API endpoint is checked by the generic tests or named, with a reason, in
exclusions.py; every name in exclusions.py still exists. A new route therefore either passes the house
rules or fails here until someone says why it cannot be checked."""

import importlib
import pathlib

import pytest

from tests.house_rules import exclusions
from tests.house_rules.calls import endpoints_under_test
from tests.house_rules.endpoints import api_endpoints, is_api_view, pages
from tests.house_rules.known_bugs import KNOWN_BUGS, PARAMETRISED, params
from tests.house_rules.makers import MAKERS
from tests.house_rules.pages import checked_pages, is_list_page, place, url_values


def test_the_walk_finds_the_known_landmarks():
    """Discovery itself works: a few endpoints every version of Bimodal has are found, with their routes."""
    by_id = {e.id: e for e in api_endpoints()}
    services = by_id["/api/portfolio/services/"]
    assert services.list_route is not None and services.detail_route is not None
    assert {"list", "create", "retrieve", "change_mode"} <= {action for _, _, action in services.calls}
    assert services.model()._meta.label == "portfolio.Service"
    assert {p.id for p in pages()} >= {"portfolio:service_list", "portfolio:service_detail", "core:team_list"}


def test_every_api_endpoint_is_checked_or_excluded():
    problems = []
    for endpoint in endpoints_under_test():
        if not is_api_view(endpoint):
            problems.append(f"{endpoint.id}: not a DRF view; exclude it with a reason or make it one")
            continue
        model = endpoint.model()
        if model is None:
            if endpoint.id not in exclusions.API_WITHOUT_MODEL:
                problems.append(f"{endpoint.id}: no model found; name it in API_WITHOUT_MODEL with a reason")
        elif model._meta.label not in MAKERS and model._meta.label not in exclusions.MODELS_WITHOUT_MAKER:
            problems.append(f"{endpoint.id}: no maker for {model._meta.label} in makers.py")
    assert not problems, "\n".join(problems)


def test_exclusions_name_things_that_exist():
    endpoints = api_endpoints()
    known = {e.id for e in endpoints} | {e.name for e in endpoints}
    listed = (
        set(exclusions.API_EXCLUDED)
        | set(exclusions.API_OPEN_TO_SIGNED_IN)
        | set(exclusions.API_WITHOUT_MODEL)
    )
    assert listed <= known, f"stale API exclusions: {listed - known}"
    models = {e.model()._meta.label for e in endpoints if is_api_view(e) and e.model() is not None}
    assert set(exclusions.MODELS_WITHOUT_MAKER) <= models
    assert not set(exclusions.MODELS_WITHOUT_MAKER) & set(MAKERS), "a model both made and excluded"
    page_ids = {p.id for p in pages()}
    for listed in (
        exclusions.PAGES_EXCLUDED,
        exclusions.PAGE_MODELS,
        exclusions.PAGE_VALUES,
        exclusions.PAGES_OPEN_TO_SIGNED_IN,
    ):
        assert set(listed) <= page_ids, f"stale page exclusions: {set(listed) - page_ids}"


def test_known_bugs_name_cases_that_exist():
    for module in pathlib.Path(__file__).parent.glob("test_*.py"):
        importlib.import_module(f"{__package__}.{module.stem}")
    assert set(KNOWN_BUGS) <= PARAMETRISED, f"known bugs naming no case: {set(KNOWN_BUGS) - PARAMETRISED}"


@pytest.mark.parametrize("label", sorted(MAKERS))
def test_every_maker_makes_a_row_of_its_model(label, world, db):
    rows = world.rows[label]
    assert [row._meta.label for row in rows] == [label, label]
    assert rows[0].pk != rows[1].pk


PLACED = [p for p in checked_pages() if p.route.kwargs or is_list_page(p)]


@pytest.mark.parametrize(
    "page", params("test_every_page_names_a_real_row_or_choice", PLACED, [p.id for p in PLACED])
)
def test_every_page_names_a_real_row_or_choice(page, world, db, client):
    """Pages with URL arguments are called with a row of the world (or a valid choice), and list pages are
    placed on a made model: the administrator's GET of that URL is not a 404, nor an error. (A page about a
    part of a row — a pathway's step, a questionnaire's criterion — gets its row and a dummy part: 404 is
    then what it should answer.)"""
    placed = place(page, world)
    if page.route.kwargs:
        assert placed is not None or page.id in exclusions.PAGE_VALUES, (
            f"{page.id}: place it (exclusions.PAGE_MODELS / PAGE_VALUES) or exclude it with a reason"
        )
    else:
        assert placed is not None and placed.model._meta.label in MAKERS, f"{page.id}: list page not placed"
    client.force_login(world.admin)
    values = url_values(page, placed)
    named_in_full = not any(values[k] == v for k, v in page.route.dummy_values().items())
    status = client.get(page.route.url(values)).status_code
    assert status < 500 and (status != 404 or not named_in_full), f"GET {values} as administrator: {status}"
