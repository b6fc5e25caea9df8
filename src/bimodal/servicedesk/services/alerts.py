"""Prometheus Alertmanager: alert groups become incidents, idempotently."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from bimodal.core.choices import NotificationKind
from bimodal.core.models import User
from bimodal.core.services import (
    create_audited,
    notify,
    retrying,
    transactional,
)
from bimodal.core.transitions import record_ticket
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio.models import Service
from bimodal.servicedesk.choices import (
    DONE_STATUSES,
    Level,
    TicketStatus,
    TicketType,
)
from bimodal.servicedesk.models import (
    Ticket,
    TicketEvent,
)
from bimodal.servicedesk.services.base import (
    _event,
    next_ticket_number,
    priority_for,
    ticket_thread,
)
from bimodal.servicedesk.services.routing import route
from bimodal.servicedesk.services.sla_clocks import (
    sla_start,
)
from bimodal.servicedesk.services.tickets import (
    _set_status,
)

# --- Prometheus Alertmanager ----------------------------------------------------------------------


def _alert_user() -> User:
    user, created = User.objects.get_or_create(
        username="alertmanager",
        defaults={"first_name": "Alertmanager", "job_title": "Monitoring (machine account)"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


SEVERITY = {
    "critical": (Level.HIGH, Level.HIGH),
    "page": (Level.HIGH, Level.HIGH),
    "warning": (Level.MEDIUM, Level.MEDIUM),
}


# Alertmanager's clock and ours may disagree a little: a time up to this far ahead is taken as now.
CLOCK_SKEW = timedelta(minutes=5)
# No alert started before this: an earlier time is a zero value or a broken clock, not an outage.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
# Alertmanager's endsAt of an alert that has not ended (Go's zero time).
NOT_ENDED_YEAR = 1


def _alert_time(alert: dict[str, Any], name: str, index: int, now: datetime) -> datetime | None:
    """An alert's `startsAt` or `endsAt` as an aware time, None when absent or Go's zero time (an alert
    still firing); a time that is not one, earlier than EARLIEST or more than CLOCK_SKEW ahead of `now`
    is a ValidationError naming the field (a time a little ahead is taken as `now`)."""
    field = f"alerts[{index}].{name}"
    value = alert.get(name)
    if value in (None, ""):
        return None
    parsed: datetime | None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = parse_datetime(str(value))
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValidationError({field: f"{str(value)[:40]!r} is not an RFC 3339 time."})
    moment: datetime = parsed
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    if moment.year == NOT_ENDED_YEAR and name == "endsAt":
        return None
    if moment < EARLIEST:
        raise ValidationError({field: f"{moment.isoformat()} is before {EARLIEST.year}: not a real time."})
    if moment > now + CLOCK_SKEW:
        raise ValidationError({field: f"{moment.isoformat()} is in the future."})
    return min(moment, now)


def _alert_times(alerts: list[Any], name: str, now: datetime) -> list[datetime]:
    """The valid `name` times of the alerts (every one checked: a bad one refuses the notification)."""
    times = []
    for index, alert in enumerate(alerts):
        if isinstance(alert, dict):
            moment = _alert_time(alert, name, index, now)
            if moment is not None:
                times.append(moment)
    return times


def _last_step(ticket: Ticket) -> datetime:
    """When the incident last changed status (or opened): a resolution is not dated before it."""
    steps = TicketEvent.objects.filter(ticket=ticket, kind__in=("opened", "status")).order_by("-at")
    latest = steps.values_list("at", flat=True).first()
    return max(filter(None, (latest, ticket.opened_at)))


def alertmanager_ingest(*, payload: dict[str, Any], now: datetime | None = None) -> tuple[Ticket | None, str]:
    """One Alertmanager notification: a firing group opens (or updates) one incident, a resolved one resolves it.

    The incident's times are the alerts' own: it opens when the group's earliest alert started
    (`startsAt`) and is resolved when its last alert ended (`endsAt`), not when the notifications arrive
    (group_wait, group_interval and retries delay them by minutes). The SLA clocks, the ticket's events and
    the value-stream log (insights.Transition) take the same times. A resolved notification without an end
    uses its receipt; a resolution is never dated before the incident's last status change, nor a
    reopened group's incident before the previous one's resolution.

    Alerts are deduplicated by `groupKey` (unique on the ticket): every notification of a group lands on the
    same open incident. Two notifications of a new group at once both try to open it; the second meets the
    unique key and is run again, finding the incident (`retrying`). Alertmanager does not resend after a
    4xx, so a conflict with a concurrent writer is never answered with one."""
    return retrying(_ingest)(payload=payload, now=now)


@transactional
def _ingest(*, payload: dict[str, Any], now: datetime | None = None) -> tuple[Ticket | None, str]:

    now = now or timezone.now()
    group_key = payload.get("groupKey")
    status = payload.get("status")
    alerts = payload.get("alerts")
    if (
        not isinstance(group_key, str)
        or not group_key
        or status not in {"firing", "resolved"}
        or not isinstance(alerts, list)
    ):
        raise ValidationError(
            {"payload": "Expected an Alertmanager webhook payload (groupKey, status, alerts)."}
        )
    labels = {**(payload.get("commonLabels") or {})}
    annotations = payload.get("commonAnnotations") or {}
    ticket = Ticket.objects.select_for_update(no_key=True).filter(alert_group_key=group_key).first()
    machine = _alert_user()
    names = sorted(
        {str(a.get("labels", {}).get("alertname", "")) for a in alerts if isinstance(a, dict)} - {""}
    )
    summary = annotations.get("summary") or ", ".join(names) or labels.get("alertname", "Alert")
    starts = _alert_times(alerts, "startsAt", now)
    ends = _alert_times(alerts, "endsAt", now)
    if status == "resolved":
        if ticket is None or ticket.status in DONE_STATUSES:
            return ticket, "ignored"
        resolved_at = max(max(ends, default=now), _last_step(ticket))
        # A monitoring resolution: the system moves the incident along the declared transitions.
        if ticket.status == TicketStatus.NEW:
            ticket = _set_status(ticket, TicketStatus.IN_PROGRESS, actor=machine, now=resolved_at)
        ticket = _set_status(
            ticket,
            TicketStatus.RESOLVED,
            actor=machine,
            now=resolved_at,
            reason="alerts resolved",
            resolution=f"Resolved by monitoring: {summary}",
        )
        return ticket, "resolved"
    lines = []
    for index, alert in enumerate(alerts):
        if isinstance(alert, dict):
            since = _alert_time(alert, "startsAt", index, now)
            lines.append(
                f"- {alert.get('labels', {}).get('alertname', '?')} {alert.get('labels', {}).get('instance', '')} since {since or '?'}"
            )
    if ticket is not None and ticket.status not in DONE_STATUSES:
        _event(ticket, "alert", f"Alertmanager: {len(alerts)} alert(s) firing", actor=machine, at=now)
        return ticket, "updated"
    slug = labels.get("service") or next(
        (
            a.get("labels", {}).get("service")
            for a in alerts
            if isinstance(a, dict) and a.get("labels", {}).get("service")
        ),
        None,
    )
    service = Service.objects.filter(slug=slug).select_related("owner_team").first() if slug else None
    if service is None:
        raise ValidationError(
            {"commonLabels": f"No service with slug {slug!r}: label alerts with service=<slug>."}
        )
    impact, urgency = SEVERITY.get(str(labels.get("severity", "")).lower(), (Level.MEDIUM, Level.LOW))
    opened_at = min(starts, default=now)
    if ticket is not None:
        # The group fired again after its incident was closed: keep the key on the new incident.
        Ticket.objects.filter(pk=ticket.pk).update(alert_group_key=None)
        opened_at = max(opened_at, ticket.resolved_at or ticket.closed_at or opened_at)
    incident = Ticket(
        number=f"INC{next_ticket_number():06d}",
        ticket_type=TicketType.INCIDENT,
        title=f"[alert] {summary}"[:200],
        description="\n".join([annotations.get("description", ""), *lines]).strip(),
        service=service,
        requester=machine,
        impact=impact,
        urgency=urgency,
        priority=priority_for(impact, urgency),
        alert_group_key=group_key,
        opened_at=opened_at,
    )
    # Routed by the same rules as every ticket (an alert of an ATM service may go to its supplier).
    incident.assignment_group, incident.routing_rule = route(incident, at=opened_at)
    try:
        create_audited(incident, actor=machine, verb=AuditVerb.TICKET_CREATE_FROM_ALERT)
    except ValidationError as error:
        if "alert_group_key" in getattr(error, "error_dict", {}):
            # Another notification of the group opened its incident since we looked: run again, to find it.
            raise IntegrityError("alert group opened concurrently") from error
        raise
    record_ticket(incident, "", incident.status, at=opened_at)
    _event(
        incident, "opened", f"Opened by Alertmanager ({len(alerts)} alert(s))", actor=machine, at=opened_at
    )
    sla_start(ticket=incident, now=opened_at)
    notify(
        recipients=list(incident.assignment_group.members.all()),
        kind=NotificationKind.ALERT_INCIDENT,
        obj=incident,
        thread=ticket_thread(incident),
        subject=f"{incident.number}: {incident.title}",
        url=incident.get_absolute_url(),
    )
    return incident, "created"


def alertmanager_secret() -> str:
    """The shared secret Alertmanager must send (empty: the webhook is disabled)."""
    return getattr(settings, "BIMODAL_ALERTMANAGER_SECRET", "") or os.environ.get(
        "BIMODAL_ALERTMANAGER_SECRET", ""
    )
