"""Catalogue request forms defined as data: checking a schema and turning it into a Django form."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from bimodal.servicedesk.choices import FieldType

NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
KEYS = {"name", "label", "type", "required", "choices", "min", "max", "max_length", "pattern", "help"}


def validate_schema(schema) -> list[str]:
    """Problems with a form schema (empty when it is usable)."""
    if not isinstance(schema, list):
        return ["The form must be a list of fields."]
    errors, seen = [], set()
    for i, spec in enumerate(schema, start=1):
        if not isinstance(spec, dict):
            errors.append(f"Field {i} must be an object.")
            continue
        name = spec.get("name", "")
        if not isinstance(name, str) or not NAME.match(name):
            errors.append(f"Field {i}: name must be lower-case letters, digits and _.")
        if name in seen:
            errors.append(f"Field {i}: duplicate name {name!r}.")
        seen.add(name)
        if spec.get("type") not in FieldType.values:
            errors.append(f"Field {i}: unknown type {spec.get('type')!r}.")
        if spec.get("type") == FieldType.CHOICE and not spec.get("choices"):
            errors.append(f"Field {i}: a choice field needs choices.")
        if unknown := set(spec) - KEYS:
            errors.append(f"Field {i}: unknown keys {', '.join(sorted(unknown))}.")
        if "pattern" in spec:
            try:
                re.compile(spec["pattern"])
            except re.error:
                errors.append(f"Field {i}: pattern is not a regular expression.")
    return errors


def _field(spec: dict) -> forms.Field:
    kind = spec["type"]
    common = {
        "label": spec.get("label") or spec["name"].replace("_", " ").capitalize(),
        "required": bool(spec.get("required")),
        "help_text": spec.get("help", ""),
    }
    if kind == FieldType.TEXT:
        validators = (
            [RegexValidator(spec["pattern"], "Not in the expected format.")] if spec.get("pattern") else []
        )
        return forms.CharField(max_length=spec.get("max_length", 200), validators=validators, **common)
    if kind == FieldType.TEXTAREA:
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 3}), max_length=spec.get("max_length", 4000), **common
        )
    if kind == FieldType.INTEGER:
        return forms.IntegerField(min_value=spec.get("min"), max_value=spec.get("max"), **common)
    if kind == FieldType.DECIMAL:
        lo, hi = spec.get("min"), spec.get("max")
        return forms.DecimalField(
            min_value=None if lo is None else Decimal(str(lo)),
            max_value=None if hi is None else Decimal(str(hi)),
            decimal_places=2,
            **common,
        )
    if kind == FieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == FieldType.EMAIL:
        return forms.EmailField(**common)
    if kind == FieldType.CHOICE:
        choices = [("", "—")] + [(c, c) for c in spec["choices"]]
        return forms.ChoiceField(choices=choices, **common)
    return forms.BooleanField(**{**common, "required": bool(spec.get("required"))})


def build_form_class(schema: list[dict]) -> type[forms.Form]:
    """A Django form class for a catalogue item's schema."""
    fields = {spec["name"]: _field(spec) for spec in schema}
    for field in fields.values():
        css = "form-check-input" if isinstance(field, forms.BooleanField) else "form-control"
        if isinstance(field, forms.ChoiceField):
            css = "form-select"
        field.widget.attrs.setdefault("class", css)
    return type("CatalogueRequestForm", (forms.Form,), fields)


def clean_request_data(schema: list[dict], data: dict) -> dict:
    """Validate submitted answers against the schema; JSON-ready values, or ValidationError by field."""
    form = build_form_class(schema)(data=data)
    if not form.is_valid():
        raise ValidationError({name: [str(e) for e in errs] for name, errs in form.errors.items()})
    unknown = set(data) - set(form.fields) - {"csrfmiddlewaretoken"}
    if unknown:
        raise ValidationError({"request_data": f"Unknown fields: {', '.join(sorted(unknown))}."})
    cleaned = {}
    for name, value in form.cleaned_data.items():
        if isinstance(value, Decimal):
            value = str(value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        cleaned[name] = value
    return cleaned
