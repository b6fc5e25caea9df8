"""One field specification for a form, a write serializer and the services: a check that they agree.

An app names the fields a person sets on a model once (a tuple such as core's TEAM_FIELDS); the write
serializer's `Meta.fields` is built from it (a plain Serializer's declared fields are compared), and the
form and the services' keyword arguments must list the same names. `spec_mismatches` says where they drift, so a field added to one of them and not the others
fails a test."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

NOT_FIELDS = frozenset({"actor", "reason"})


def service_fields(service: Callable[..., Any], *, skip: Iterable[str] = ()) -> set[str]:
    """The keyword-only parameters of `service`, without the actor, the reason and `skip` (the object)."""
    parameters = inspect.signature(service).parameters.values()
    assert all(p.kind is not inspect.Parameter.VAR_KEYWORD for p in parameters), (
        f"{service.__name__} takes **"
    )
    return {p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY} - NOT_FIELDS - set(skip)


def spec_mismatches(
    spec: Iterable[str],
    *,
    services: dict[Callable[..., Any], Iterable[str]] | None = None,
    serializer: type | None = None,
    form: type | None = None,
    form_omits: Iterable[str] = (),
) -> list[str]:
    """Where the services (with the parameters to skip), serializer and form disagree with `spec`."""
    wanted = set(spec)
    problems = []
    for service, skip in (services or {}).items():
        if (got := service_fields(service, skip=skip)) != wanted:
            problems.append(f"{service.__name__}: {sorted(got ^ wanted)}")
    if serializer is not None:
        meta = getattr(serializer, "Meta", None)  # a plain Serializer declares its fields instead
        got = set(meta.fields if meta is not None else serializer().fields) - NOT_FIELDS
        if got != wanted:
            problems.append(f"{serializer.__name__}: {sorted(got ^ wanted)}")
    if form is not None:
        got, want = set(form.base_fields) - NOT_FIELDS, wanted - set(form_omits)  # type: ignore[attr-defined]
        if got != want:
            problems.append(f"{form.__name__}: {sorted(got ^ want)}")
    return problems
