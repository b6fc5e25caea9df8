"""Rule: a list's CSV export (`?export=csv` of a generic list page) shows no more than the page does.

For every URL whose view is a `core.generic.ObjectListView` with an export, and for each restricted person
of the world (and the person in no role): the export is refused when the page is, and the names of the
world's rows it contains are names the page itself shows (the world is small, so one page holds every
row). An export that skipped the page's restriction or filters would show the other side's rows."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

from bimodal.core.generic import ObjectListView


def _export_urls() -> list[tuple[str, str, type[models.Model]]]:
    found = []

    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                view = getattr(p.callback, "view_class", None)
                route = prefix + str(p.pattern)
                if view and issubclass(view, ObjectListView) and view.export_filename and "<" not in route:
                    found.append((f"{namespace}{p.name}", "/" + route.lstrip("^").rstrip("$"), view.model))

    walk(get_resolver().url_patterns)
    return sorted(found)


EXPORTS = _export_urls()


def test_there_are_exports_to_check():
    assert {"core:team_list", "core:audit_list", "changes:change_list"} <= {name for name, _, _ in EXPORTS}


def _row_names(world, model: type[models.Model]) -> set[str]:
    """The names the makers gave the listed model's own rows (its columns that start with a side's label)."""
    names = set()
    for side in world.sides:
        for row in world.rows.get(model._meta.label, []):
            for field in row._meta.concrete_fields:
                value = getattr(row, field.attname)
                if (
                    isinstance(field, models.CharField)
                    and isinstance(value, str)
                    and value.startswith(side.label)
                ):
                    names.add(value)
    return names


@pytest.mark.parametrize("person", ["nobody", "owner", "member", "requester", "desk_agent", "agent"])
@pytest.mark.parametrize(("name", "url", "model"), EXPORTS, ids=[name for name, _, _ in EXPORTS])
def test_an_export_shows_no_more_than_its_page(name, url, model, person, world, db, client):
    user = world.nobody if person == "nobody" else world.alpha.people[person]
    client.force_login(user)
    names = _row_names(world, model)
    page, export = client.get(url), client.get(url, {"export": "csv"})
    if page.status_code != 200:
        assert export.status_code == page.status_code, f"{url}: the page is {page.status_code}"
        return
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    cells = {cell for row in csv.reader(io.StringIO(export.content.decode())) for cell in row}
    shown = {n for n in names if n in page.content.decode()}
    exported = {n for n in names if any(n in cell for cell in cells)}
    assert exported <= shown, f"{person} reads in {url}?export=csv what the page hides: {exported - shown}"
