"""The other apps' records the metrics read: each a relation (a parenthesised SELECT) that the ORM
compiles from the owning app's public models, to be used in SQL as `FROM {sources.service()} s`.

Insights never names another app's table in its SQL: the owning app's model says where its rows live,
and a relation offers only the fields the figures use, under their field names. Each relation is a
plain projection without filters, parameters or ordering, which SQLite and PostgreSQL both fold into
the surrounding query (the plans, and so the speed, are those of reading the table itself); the
conditions stay in the metric's own SQL."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from bimodal.changes.models import ChangeWindow, Deployment
from bimodal.integrations.models import Commit, DeploymentCommit, PullRequest
from bimodal.portfolio.models import Service
from bimodal.servicedesk.models import SatisfactionRating, SlaInstance, Ticket


def _relation(queryset: QuerySet[Any, Any]) -> str:
    """The queryset's SELECT in parentheses; it must need no parameters."""
    text, params = queryset.order_by().query.sql_with_params()
    if params:
        raise ValueError("a source relation takes no parameters")
    return f"({text})"


def service() -> str:
    """The portfolio's services (alias `s` by convention: `Scope` filters and groups over it)."""
    return _relation(
        Service.objects.values(
            "id",
            "name",
            "slug",
            "mode_id",
            "owner_team_id",
            "criticality",
            "availability_target",
            "lifecycle",
        )
    )


def ticket() -> str:
    """The service desk's tickets (incidents, requests, problems)."""
    return _relation(
        Ticket.objects.values(
            "id",
            "number",
            "ticket_type",
            "service_id",
            "priority",
            "status",
            "major_incident",
            "problem_id",
            "opened_at",
            "resolved_at",
            "updated_at",
        )
    )


def ticket_change() -> str:
    """The links between tickets and the changes raised for them."""
    return _relation(Ticket.changes.through.objects.values("ticket_id", "change_id"))


def satisfaction() -> str:
    """Requesters' answers to the survey of resolved tickets (1 to 5)."""
    return _relation(SatisfactionRating.objects.values("id", "ticket_id", "rating", "answered_at"))


def sla_clock() -> str:
    """The service desk's SLA clocks."""
    return _relation(SlaInstance.objects.values("id", "ticket_id", "target", "state", "stopped_at"))


def deployment() -> str:
    """Changes' deployment records."""
    return _relation(
        Deployment.objects.values(
            "id", "change_id", "service_id", "environment", "status", "finished_at", "updated_at"
        )
    )


def change_window() -> str:
    """Changes' windows and freezes."""
    return _relation(ChangeWindow.objects.values("id", "kind", "start", "end"))


def window_service() -> str:
    """The services a change window names."""
    return _relation(ChangeWindow.services.through.objects.values("changewindow_id", "service_id"))


def window_mode() -> str:
    """The modes a change window names."""
    return _relation(ChangeWindow.modes.through.objects.values("changewindow_id", "mode_id"))


def deployment_commit() -> str:
    """The commits each deployment contains (integrations)."""
    return _relation(DeploymentCommit.objects.values("id", "deployment_id", "commit_id"))


def commit() -> str:
    """Commits (integrations)."""
    return _relation(Commit.objects.values("id", "authored_at", "repository_id", "sha"))


def pull_request() -> str:
    """Pull (merge) requests with their merge commit (integrations)."""
    return _relation(
        PullRequest.objects.values(
            "id", "repository_id", "number", "merge_commit_sha", "created_at", "merged_at", "first_commit_at"
        )
    )
