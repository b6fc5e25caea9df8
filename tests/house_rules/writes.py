"""Generic API writes: a create payload made by re-serialising a row with the endpoint's own write
serializer, and an update that changes one free-text field of the row as that serializer shows it."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.db import models, transaction
from django.test import RequestFactory
from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request

from tests.house_rules.endpoints import ApiEndpoint

# Text fields an update may change, most harmless first.
TEXT_FIELDS = ("description", "notes", "note", "summary", "purpose", "title", "name", "charter", "message")
_NOT_FREE_TEXT = (
    serializers.ChoiceField,
    serializers.SlugField,
    serializers.EmailField,
    serializers.URLField,
    serializers.RegexField,
    serializers.IPAddressField,
)


def serializer_for(endpoint: ApiEndpoint, action: str, user, method: str) -> serializers.BaseSerializer:
    """The serializer class the endpoint uses for `action`, instantiated with the view's context."""
    view = endpoint.view()
    django_request = getattr(RequestFactory(), method)("/")
    django_request.user = user or AnonymousUser()
    view.request = Request(django_request)
    view.request.user = user
    view.action, view.kwargs, view.args, view.format_kwarg = action, {}, (), None
    view.headers = {}
    return view.get_serializer_class(), view.get_serializer_context()


def _representation(endpoint: ApiEndpoint, action: str, method: str, row: models.Model, user) -> dict:
    serializer_class, context = serializer_for(endpoint, action, user, method)
    serializer = serializer_class(row, context=context)
    data = dict(serializer.data)
    for name, field in serializer.fields.items():
        if name not in data and field.required and isinstance(field, serializers.CharField):
            data[name] = "Recorded by the house-rule tests."
    return data


def create_payload(endpoint: ApiEndpoint, make_row, user) -> dict:
    """A new row as the endpoint's write serializer shows it, the row itself then deleted (what it refers
    to stays), so that posting the payload creates it again: unique values and unique combinations are
    free, and every reference names a row that exists."""
    row = make_row()
    data = _representation(endpoint, "create", "post", row, user)
    with transaction.atomic():
        type(row)._base_manager.filter(pk=row.pk).delete()
    return data


def update_payloads(endpoint: ApiEndpoint, row: models.Model, user, name: str, value) -> list[dict]:
    """PATCH bodies that set `name` to `value`, smallest first: the field alone (a PATCH is partial), then
    the row as the endpoint's update serializer shows it (for endpoints whose PATCH wants more)."""
    minimal = {name: value, "reason": "Recorded by the house-rule tests."}
    full = _representation(endpoint, "partial_update", "patch", row, user)
    return [minimal, {**full, **minimal}]


def changeable_field(endpoint: ApiEndpoint, model: type[models.Model], user) -> str | None:
    """A field the endpoint's update serializer writes to a column of the same name: free text first, then
    a date, a number or a choice (None if there is none)."""
    serializer_class, context = serializer_for(endpoint, "partial_update", user, "patch")
    fields = serializer_class(context=context).fields
    columns = {f.name: f for f in model._meta.concrete_fields}

    def writable(name, field) -> bool:
        return not field.read_only and field.source in (name, "*", None) and name in columns

    usable = {name: field for name, field in fields.items() if writable(name, field)}
    text = [
        n
        for n, f in usable.items()
        if isinstance(f, serializers.CharField)
        and not isinstance(f, _NOT_FREE_TEXT)
        and isinstance(columns[n], models.CharField | models.TextField)
        and not columns[n].choices
        and n != "time_zone"
    ]
    preferred = [n for n in TEXT_FIELDS if n in text] + text
    others = [
        n
        for n, f in usable.items()
        if isinstance(f, serializers.DateField | serializers.IntegerField | serializers.ChoiceField)
    ]
    return next(iter(preferred + others), None)


def new_value(row: models.Model, name: str, serial: int):
    """A value of the column `name` that differs from the row's and passes its validation."""
    column = row._meta.get_field(name)
    old = getattr(row, name)
    if column.choices:
        return next(value for value, _label in column.flatchoices if value != old)
    if isinstance(column, models.DateField):
        return ((old or timezone.localdate()) + timedelta(days=1)).isoformat()
    if isinstance(column, models.IntegerField):
        return (old or 0) + 1
    return f"Changed by the house-rule tests {serial}"
