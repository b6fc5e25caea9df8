"""The SLA definitions each mode gets from its preset's SLA profile (portfolio.presets.SLA_PROFILES):
P1 and P2 incident response and resolution, scoped to the mode, on a 24×7 schedule. Written by
`bimodal setup` (core.hooks.default_data) and the demo; idempotent."""

from __future__ import annotations

from bimodal.core.models import User
from bimodal.portfolio.models import Mode
from bimodal.portfolio.selectors import mode_sla_profile
from bimodal.servicedesk.choices import SlaTarget, TicketType
from bimodal.servicedesk.models import SlaDefinition, SupportSchedule
from bimodal.servicedesk.services import admin

ROUND_THE_CLOCK = "24x7"


def _schedule(*, actor: User) -> SupportSchedule:
    """The 24×7 schedule the mode profiles run on (created when missing)."""
    schedule = SupportSchedule.objects.filter(slug=ROUND_THE_CLOCK).first()
    if schedule is None:
        schedule = admin.schedule_create(
            actor=actor, name="24×7", slug=ROUND_THE_CLOCK, always_on=True, time_zone="UTC"
        )
    return schedule


def mode_sla_definitions_apply(*, actor: User, mode: Mode) -> int:
    """Create the mode's profile definitions it lacks (an existing definition for the same mode, ticket
    type, priority and target is left as its owner set it); return how many were written."""
    written = 0
    for priority, (response, resolution) in mode_sla_profile(mode).items():
        for target, seconds in ((SlaTarget.RESPONSE, response), (SlaTarget.RESOLUTION, resolution)):
            if SlaDefinition.objects.filter(
                mode=mode, ticket_type=TicketType.INCIDENT, priority=priority, target=target
            ).exists():
                continue
            admin.sla_definition_create(
                actor=actor,
                name=f"{mode.short_name or mode.name}: incident {priority} {target.label.lower()}",
                target=target,
                target_seconds=seconds,
                schedule=_schedule(actor=actor),
                ticket_type=TicketType.INCIDENT,
                priority=priority,
                mode=mode,
                pause_statuses=["awaiting_customer"],
                warning_thresholds=[50, 75, 90],
            )
            written += 1
    return written


def apply_sla_defaults(*, actor: User) -> int:
    """Every mode's profile definitions (see mode_sla_definitions_apply)."""
    return sum(mode_sla_definitions_apply(actor=actor, mode=mode) for mode in Mode.objects.order_by("order"))
