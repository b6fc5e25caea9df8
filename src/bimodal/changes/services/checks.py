"""The checks a change passes at the moment its implementation starts, whether a person presses Start
or a pipeline names it at the deployment gate: its approved slot, the change windows its mode requires,
freezes, and the policies evaluated again at that moment (their approvals still met by the votes of the
change's current approval round). Submission is not enough: the calendar and the policies may have
changed since."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from django.utils import timezone

from bimodal.changes import selectors
from bimodal.changes.choices import ChangeSource, ChangeType, WindowKind
from bimodal.changes.models import Change
from bimodal.changes.services.base import _requirements_met, assess
from bimodal.governance.choices import DecisionOutcome, PolicyEffect
from bimodal.portfolio.models import Service

# How early a change may start before its approved slot: enough for a team that is ready a few minutes
# ahead of a window's opening, too little to move the work anywhere else (the window is checked as well).
START_TOLERANCE: Final = timedelta(minutes=5)
# How long the work is taken to last when the change names no end (a standard change without a slot).
DEFAULT_DURATION: Final = timedelta(minutes=1)


def _at(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def work_end(change: Change, now: datetime) -> datetime:
    """Until when the work that starts `now` runs: the planned end, or a moment when there is none."""
    if change.planned_end and change.planned_end > now:
        return change.planned_end
    return now + DEFAULT_DURATION


def start_problems(
    change: Change,
    services: list[Service],
    *,
    now: datetime,
    evidence: dict[str, Any],
    environment: str,
    source: str,
) -> dict[str, list[str]]:
    """Why `change` may not start `now`, by field (empty: it may).

    An emergency change is exempt from its slot, windows, freezes and approvals (its approval comes
    afterwards, retrospectively); a rule of the policies that denies still holds for it."""
    problems: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    end = work_end(change, now)
    emergency = change.change_type == ChangeType.EMERGENCY
    ref = change.reference
    if not emergency and change.planned_start and change.planned_end:
        earliest = change.planned_start - START_TOLERANCE
        if now < earliest:
            add(
                "planned_start",
                f"{ref} is planned for {_at(change.planned_start)}–{_at(change.planned_end)}: it may start "
                f"from {_at(earliest)}, not now ({_at(now)}).",
            )
        elif now >= change.planned_end:
            add(
                "planned_end",
                f"The slot of {ref} ended at {_at(change.planned_end)}: reschedule it before starting.",
            )
    conflicts = selectors.conflicts_for(change)
    _, _, _, decision = assess(
        services=services,
        change_type=change.change_type,
        template=change.template,
        answers=change.risk_answers,
        evidence=evidence,
        environment=environment,
        planned_start=now,
        planned_end=end,
        source=source,
        conflict_count=len(conflicts),
    )
    windows = selectors.applicable_windows(services, now, end)
    if not emergency:
        for freeze in (w for w in windows if w.kind == WindowKind.FREEZE):
            add(
                "planned_start",
                f"The freeze “{freeze.name}” ({_at(freeze.start)}–{_at(freeze.end)}) is in force: "
                "only emergency changes may start.",
            )
        if (change.window_required or decision.window_required) and not selectors.covered(windows, now, end):
            add(
                "planned_start",
                f"No open change window covers {_at(now)}–{_at(end)}, and this change must be "
                "implemented inside one.",
            )
    if decision.outcome == DecisionOutcome.DENY:
        refused = [
            f"{rule.name}: {rule.reason}"
            for rule in decision.fired
            if rule.effect == PolicyEffect.DENY
            or (rule.effect == PolicyEffect.REQUIRE_EVIDENCE and "missing:" in rule.reason)
        ]
        add("status", "The policies refuse it now: " + "; ".join(refused or decision.reasons))
    elif not emergency and decision.approvals and not _requirements_met(change, decision.approvals):
        needed = [
            f"{r.name}: {r.reason}" for r in decision.fired if r.effect == PolicyEffect.REQUIRE_APPROVAL
        ]
        add(
            "status",
            "Its approvals do not cover what the policies require now: " + "; ".join(needed),
        )
    return problems


def pipeline_evidence_problems(
    service: Service, *, evidence: dict[str, Any], environment: str, facts: dict[str, Any]
) -> list[str]:
    """What the mode's policies find missing in the pipeline's own evidence, judged as the gate judges a
    deploy that names no change: a named change's recorded evidence never stands in for it."""
    _, _, _, decision = assess(
        services=[service],
        change_type=ChangeType.STANDARD,
        evidence=evidence,
        environment=environment,
        source=ChangeSource.GATE,
        facts=facts,
    )
    if not decision.missing_evidence:
        return []
    return [
        f"Pipeline evidence: {rule.name}: {rule.reason}"
        for rule in decision.fired
        if rule.effect == PolicyEffect.REQUIRE_EVIDENCE and "missing:" in rule.reason
    ]


def flat(problems: dict[str, list[str]]) -> list[str]:
    """The messages of `problems`, in order (for the gate's reasons)."""
    return [message for messages in problems.values() for message in messages]
