"""A list's filters offer only what the user may see: every model-choice filter over a restricted model (a model whose rows are hidden from some users: teams, services, suppliers…) takes its choices from
`core.filtersets.visible(Model)` (the rows the requesting user may view), never
from `Model.objects.all()`, which would list the names of rows the user's pages hide — a supplier agent
would read every internal team's name in a team filter.

Checked over every FilterSet of every Bimodal app's `filtersets` module."""

from __future__ import annotations

import importlib
import inspect

import django_filters
import pytest
from django.apps import apps
from django.test import RequestFactory

from bimodal.core.querysets import RestrictedQuerySet


def _filtersets():
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("bimodal."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.filtersets")
        except ModuleNotFoundError:
            continue
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, django_filters.FilterSet) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def _model_choice_filters():
    cases = []
    for filterset in _filtersets():
        for name, field in filterset.base_filters.items():
            if isinstance(field, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter):
                cases.append(pytest.param(filterset, name, field, id=f"{filterset.__name__}.{name}"))
    return cases


CASES = _model_choice_filters()


def test_there_are_filters_to_check():
    assert len(CASES) >= 20


@pytest.mark.parametrize(("filterset", "name", "field"), CASES)
def test_a_restricted_models_choices_depend_on_the_user(filterset, name, field, make_user):
    queryset = field.extra["queryset"]
    model = (queryset(None) if callable(queryset) else queryset).model
    rows = model._default_manager.all()
    if not isinstance(rows, RestrictedQuerySet) or type(rows).restriction is RestrictedQuerySet.restriction:
        return  # no object-level restriction: whoever has the page may list them (modes, categories, tags)
    assert callable(queryset), (
        f"{filterset.__module__}.{filterset.__name__}.{name} lists every {model._meta.verbose_name}: "
        f"use core.filtersets.visible({model.__name__})"
    )
    request = RequestFactory().get("/")
    request.user = make_user()  # no role: may view nothing
    assert not queryset(request).exists()
