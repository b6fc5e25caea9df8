"""Extension points other apps register in their `AppConfig.ready()`.

- decision handlers: `handler(request, *, actor)` runs inside the transaction that records a decision of
  its type (e.g. the delivery app turns an approved demand into an initiative);
- agenda providers: `provider(meeting) -> iterable of model instances` adds items from another app to a
  meeting's agenda when it is built (e.g. the changes awaiting a CAB). An instance may carry an
  `agenda_topic` attribute; otherwise its `str()` is the topic;
- report sources: `provider() -> list[ReportRow]` adds another app's approvals (e.g. change records) to
  the "minimum viable bureaucracy" report, for users with the source's view permission.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

_decision_handlers: dict[str, list[Callable]] = defaultdict(list)
_agenda_providers: dict[str, list[Callable]] = defaultdict(list)
_report_sources: dict[str, tuple[str, Callable]] = {}


def register_decision_handler(decision_type: str, handler: Callable) -> None:
    """Call `handler(request, *, actor)` after a decision of `decision_type` (key) is recorded."""
    if handler not in _decision_handlers[decision_type]:
        _decision_handlers[decision_type].append(handler)


def decision_handlers(decision_type: str) -> list[Callable]:
    """The handlers registered for a decision type (key)."""
    return list(_decision_handlers.get(decision_type, ()))


def register_agenda_provider(forum_kind: str, provider: Callable[..., Iterable]) -> None:
    """Add `provider(meeting)` to the agenda builders of every forum of `forum_kind`."""
    if provider not in _agenda_providers[forum_kind]:
        _agenda_providers[forum_kind].append(provider)


def agenda_providers(forum_kind: str) -> list[Callable]:
    """The agenda providers registered for a forum kind."""
    return list(_agenda_providers.get(forum_kind, ()))


def unregister_decision_handler(decision_type: str, handler: Callable) -> None:
    """Remove a handler (tests)."""
    if handler in _decision_handlers.get(decision_type, ()):
        _decision_handlers[decision_type].remove(handler)


def register_report_source(key: str, provider: Callable[[], list], *, permission: str) -> None:
    """Add `provider()`'s rows to the bureaucracy report for users holding `permission`."""
    _report_sources[key] = (permission, provider)


def report_sources() -> list[tuple[str, Callable]]:
    """(permission, provider) of every registered report source."""
    return list(_report_sources.values())
