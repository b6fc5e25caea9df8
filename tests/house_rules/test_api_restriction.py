"""Rule: reads start from the restricted queryset. A person who may see only part of the data (a supplier's
agent, a requester, a service-desk agent, a product team member, a service owner) gets from every API list
only rows that `Model.objects.restrict(person, "view")` gives, and a 404 (or 403) for the detail of every
row it hides. Where the restriction hides the other side's rows of a model, the person moreover never reads
the other side anywhere in that endpoint's lists, details or read-only workflow steps: no name of a row of
the other side hidden from them (of any model), nor of any service hidden from them, appears in an
answer."""

from __future__ import annotations

import re

import pytest
from django.db import models

from bimodal.portfolio.models import Service
from tests.house_rules.api import is_refusal, lookup_values, results
from tests.house_rules.calls import api_call, endpoints_under_test
from tests.house_rules.known_bugs import params
from tests.house_rules.makers import MAKERS

PEOPLE = ("agent", "requester", "desk_agent", "member", "owner")
LISTED = [
    e
    for e in endpoints_under_test()
    if e.list_route is not None and e.model() is not None and e.model()._meta.label in MAKERS
]


def _key(endpoint) -> tuple[str, str]:
    """(attribute of the row, key in the JSON) that identify a row of this endpoint."""
    field = getattr(endpoint.view, "lookup_field", "pk")
    return field, ("id" if field == "pk" else field)


def _hidden_names(world, person) -> set[str]:
    """Names of the other side's rows that restrict() hides from `person` (rows of every listed model),
    and of every service hidden from them: what someone may see of a service is what the service
    catalogue shows them, whichever endpoint names it."""
    visible_services = Service.objects.restrict(person, "view").values("pk")
    names = {
        name
        for pair in Service.objects.exclude(pk__in=visible_services).values_list("slug", "name")
        for name in pair
    }
    other = world.beta
    base = [other.supplier, other.org_unit, other.team, other.desk, other.queue, other.service]
    rows = base + [row for made in world.rows.values() for row in made]
    for row in rows:
        manager = type(row)._default_manager
        if not hasattr(manager, "restrict") or manager.restrict(person, "view").filter(pk=row.pk).exists():
            continue
        for field in row._meta.concrete_fields:
            value = getattr(row, field.attname)
            if isinstance(field, models.CharField) and isinstance(value, str) and value.startswith("beta"):
                names.add(value)
    return names


CASES = [(e, p) for e in LISTED for p in PEOPLE]


@pytest.mark.parametrize(
    "case",
    params("test_partial_view_never_exceeds_the_restriction", CASES, [f"{e.id}-{p}" for e, p in CASES]),
)
def test_partial_view_never_exceeds_the_restriction(case, world, db, client):
    endpoint, person_role = case
    person = world.alpha.people[person_role]
    client.force_login(person)
    model = endpoint.model()
    field, key = _key(endpoint)
    visible = {str(v) for v in model._default_manager.restrict(person, "view").values_list(field, flat=True)}

    listed = api_call(client, endpoint.list_route, "get", {}, query="limit=1000")
    answers = [listed]
    if listed.status_code == 200:
        rows = results(listed)
        if all(key in row for row in rows):
            extra = {str(row[key]) for row in rows} - visible
            assert not extra, f"{person.username} is shown rows restrict() hides: {sorted(extra)}"
        else:  # rows without their lookup key can only be counted
            assert len(rows) <= len(visible), f"{person.username} is shown {len(rows)} rows of {len(visible)}"
    else:
        assert is_refusal(listed), listed.status_code

    restricted_rows = model._default_manager.restrict(person, "view")
    made = [(row, restricted_rows.filter(pk=row.pk).exists()) for row in world.of(model)]
    # Whether the restriction hides the other side's rows of this model from the person: then every
    # answer of the endpoint is searched for the other side's names.
    restricted = not made[1][1]
    detail_calls = [c for c in endpoint.calls if c[1] == "get" and c[2] != "list" and c[0].kwargs]
    for row, shown in made:
        if shown and not restricted:
            continue
        for route, _method, action in detail_calls:
            response = api_call(client, route, "get", lookup_values(endpoint, route, row))
            if not shown:
                assert is_refusal(response), (
                    f"{route.path} ({action}) of a hidden row: {response.status_code}"
                )
            answers.append(response)

    if restricted:
        hidden = world.cache.setdefault(("hidden", person.pk), _hidden_names(world, person))
        for response in answers:
            text = response.content.decode()
            leaked = sorted(
                name for name in hidden if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)
            )
            assert not leaked, f"{response.request['PATH_INFO']} shows what is hidden from them: {leaked}"
