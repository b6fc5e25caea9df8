"""Who may see which tickets, shared by the service desk's models."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db.models import Q

USER = settings.AUTH_USER_MODEL


def ticket_visibility(user, prefix: str = "", action: str = "view") -> Q | None:
    """Which tickets a user may see (or, for another `action`, work): all (auditors, managers), their
    supplier's queue, their groups', the unassigned ones of the services their teams support, and their own.

    A desk that handed a ticket to a supplier keeps seeing it (not working it) while the supplier has it;
    the members of a team a breached SLA escalated to see (not work) the ticket they were told about."""
    if user.has_perm("servicedesk.view_all_tickets"):
        return None
    p = prefix
    own = Q(**{f"{p}requester": user}) | _approver_of(user, p)
    if action == "view":
        own |= _escalated_to(user, p)
    if user.supplier_id:
        return Q(**{f"{p}assignment_group__supplier_id": user.supplier_id}) | own
    if user.has_perm("servicedesk.work_tickets"):
        # The user's teams, tasks and hand-offs as subqueries rather than joins: joining members, tasks and
        # hand-offs into the ticket's row multiplied it, and a list then had to de-duplicate every ticket.
        teams = apps.get_model("core", "Team").objects.filter(members=user).values("pk")
        tasks = apps.get_model("servicedesk", "FulfilmentTask").objects.filter(assignment_group__in=teams)
        condition = (
            Q(**{f"{p}assignment_group__in": teams})
            | Q(**{f"{p}assignee": user})
            | Q(**{f"{p}pk__in": tasks.values("ticket_id")})
            | Q(**{f"{p}assignee__isnull": True, f"{p}service__owner_team__in": teams})
            | own
        )
        if action == "view":
            handoffs = apps.get_model("servicedesk", "TicketHandoff").objects.filter(
                to_supplier__isnull=False, from_team__in=teams
            )
            condition |= Q(
                **{
                    f"{p}assignment_group__supplier__isnull": False,
                    f"{p}pk__in": handoffs.values("ticket_id"),
                }
            )
        return condition
    return own


def _escalated_to(user, p: str) -> Q:
    """The tickets whose SLA breach escalated to a team `user` is in (or leads): escalating is telling
    someone to look, so they must be able to open what they are told about. A subquery, so the queue's
    query does not multiply its rows by clocks and escalations."""
    escalations = apps.get_model("servicedesk", "SlaEscalation").objects  # defined after the tickets
    team = "instance__definition__escalation_team"
    tickets = escalations.filter(
        Q(**{f"{team}__members": user}) | Q(**{f"{team}__lead": user}), threshold__gte=100
    )
    return Q(**{f"{p}pk__in": tickets.values("instance__ticket_id")})


def _approver_of(user, p: str) -> Q:
    """The catalogue requests `user` approves (or approved): the approver must open what they decide on."""
    from_catalogue = Q(**{f"{p}catalogue_item__requires_approval": True})
    by_manager = Q(**{f"{p}catalogue_item__approver": "manager", f"{p}requester__manager": user})
    by_role = Q(
        **{
            f"{p}catalogue_item__approver": "role",
            f"{p}catalogue_item__approver_role__in": user.groups.values("name"),
        }
    )
    return (from_catalogue & (by_manager | by_role)) | Q(**{f"{p}approved_by": user})
