"""Rule: reads start from the restricted queryset. A person who may see only part of the data (a supplier's
agent, a requester, a service-desk agent, a product team member, a service owner) gets from every API list
only rows that `Model.objects.restrict(person, "view")` gives, and a 404 (or 403) for the detail of every
row it hides. Where the restriction hides the other side's rows of a model, the person moreover never reads
the other side anywhere in that endpoint's lists, details or read-only workflow steps: no name of a row of
the other side hidden from them (of any model) appears in an answer."""

from __future__ import annotations

import pytest
from django.db import models

from tests.house_rules.api import is_refusal, lookup_values, results
from tests.house_rules.calls import api_call, endpoints_under_test
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
    """Names of the other side's rows that restrict() hides from `person` (rows of every listed model)."""
    names = set()
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


@pytest.mark.parametrize("person_role", PEOPLE)
@pytest.mark.parametrize("endpoint", LISTED, ids=[e.id for e in LISTED])
def test_partial_view_never_exceeds_the_restriction(endpoint, person_role, world, db, client):
    person = world.alpha.people[person_role]
    client.force_login(person)
    model = endpoint.model()
    field, key = _key(endpoint)
    visible = {str(v) for v in model._default_manager.restrict(person, "view").values_list(field, flat=True)}

    listed = api_call(client, endpoint.list_route, "get")
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

    restricted = False  # whether the restriction hides the other side's rows of this model from the person
    for row, side in zip(world.of(model), world.sides, strict=True):
        shown = model._default_manager.restrict(person, "view").filter(pk=row.pk).exists()
        restricted = restricted or (side is world.beta and not shown)
        for route, method, action in endpoint.calls:
            if method != "get" or action == "list" or not route.kwargs:
                continue
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
            leaked = sorted(name for name in hidden if name in text)
            assert not leaked, f"{response.request['PATH_INFO']} shows the other supplier's {leaked}"
