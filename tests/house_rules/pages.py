"""Which model a page is about, and which row its URL names, found without a list kept by hand:

1. a model's detail page is where `get_absolute_url()` of its rows leads; every page whose path continues
   that page's path (edit, workflow steps, sub-pages) is about the same row;
2. otherwise the page's name says it: `<prefix>_<verb>` is about the model of its app (or, failing that, of
   any app) whose name is the prefix, ends with it or starts with it — e.g. `window_edit` → ChangeWindow,
   `gate_step` → StageGate — and its URL arguments are that row's fields of the same names;
3. a list page is about the model whose detail page is the list's path plus one argument, or whose name the
   list's name gives (`window_list` → ChangeWindow).

Pages these rules cannot place are named in exclusions.py (PAGE_MODELS to place them by hand, or
PAGES_UNPLACED with the reason) — test_coverage.py fails on any other.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.urls import resolve

from tests.house_rules.endpoints import Page, pages
from tests.house_rules.exclusions import PAGE_MODELS, PAGE_VALUES, PAGES_EXCLUDED
from tests.house_rules.makers import MAKERS


@dataclass(frozen=True)
class Placed:
    """A page placed on a model; `values` fill its URL for `row` (None for list pages)."""

    model: type[models.Model]
    row: models.Model | None
    values: dict | None


def _made_models() -> list[type[models.Model]]:
    return [apps.get_model(label) for label in MAKERS]


def _by_name(prefix: str, app: str) -> type[models.Model] | None:
    """The made model the name prefix points at: in the page's app first, then anywhere; exact name, then a
    name ending with the prefix, then one starting with it; None when that is not one model."""
    prefix = prefix.replace("-", "")
    for scope in ([m for m in _made_models() if m._meta.app_label == app], _made_models()):
        for test in (str.__eq__, str.endswith, str.startswith):
            found = [m for m in scope if test(m._meta.model_name, prefix)]
            if len(found) == 1:
                return found[0]
            if found:
                return None
    return None


_URL_FIELDS = {"slug": "x", "reference": "x", "number": "x", "key": "x", "version": 1, "seq": 1}


@functools.cache
def detail_pages() -> dict[str, type[models.Model]]:
    """Page name → model, for every made model with a get_absolute_url() (read off an unsaved row)."""
    found = {}
    for model in _made_models():
        if not hasattr(model, "get_absolute_url"):
            continue
        names = {f.name for f in model._meta.concrete_fields}
        row = model(pk=1, **{k: v for k, v in _URL_FIELDS.items() if k in names})
        found[resolve(row.get_absolute_url()).view_name] = model
    return found


def _row_values(world, model) -> tuple[models.Model, dict]:
    row = world.of(model)[0]
    return row, resolve(row.get_absolute_url()).kwargs


def _page(name: str) -> Page:
    return next(p for p in pages() if p.id == name)


def is_list_page(page: Page) -> bool:
    return page.url_name.endswith("_list") or (page.id in PAGE_MODELS and not page.route.kwargs)


def place(page: Page, world) -> Placed | None:
    """The model (and for pages with URL arguments, alpha's row and the URL values) of `page`."""
    if page.id in PAGE_MODELS:
        label, fixed = PAGE_MODELS[page.id]
        model = apps.get_model(label)
        if not page.route.kwargs:
            return Placed(model, None, None)
        row = world.of(model)[0]
        values = page.route.dummy_values() | {
            k: getattr(row, k) for k in page.route.kwargs if hasattr(row, k)
        }
        return Placed(model, row, values | fixed)
    details = detail_pages()
    if not page.route.kwargs:
        if is_list_page(page):
            return _place_list(page, details)
        model = _by_name(page.url_name.split("_")[0], page.app)
        return Placed(model, None, None) if model is not None else None
    for name, model in details.items():
        if page.route.path.startswith(_page(name).route.path):
            row, values = _row_values(world, model)
            return Placed(model, row, page.route.dummy_values() | values)
    model = _by_name(page.url_name.split("_")[0], page.app)
    if model is None or model._meta.label not in world.rows:
        return None
    row = world.of(model)[0]
    named = {
        k: (row.pk if k == "pk" else getattr(row, k))
        for k in page.route.kwargs
        if k == "pk" or hasattr(row, k)
    }
    if not named:
        return None
    return Placed(model, row, page.route.dummy_values() | named)


def _place_list(page: Page, details) -> Placed | None:
    for name, model in details.items():
        detail = _page(name).route
        if len(detail.kwargs) == 1 and detail.path == f"{page.route.path}<{detail.kwargs[0]}>/":
            return Placed(model, None, None)
    model = _by_name(page.url_name.removesuffix("_list"), page.app)
    return Placed(model, None, None) if model is not None else None


def checked_pages() -> list[Page]:
    return [p for p in pages() if p.id not in PAGES_EXCLUDED]


def url_values(page: Page, placed: Placed | None) -> dict:
    """URL values for `page`: the placed row's, else the fixed choices, else values naming nothing."""
    if placed is not None and placed.values is not None:
        return placed.values
    return page.route.dummy_values() | PAGE_VALUES.get(page.id, {})
