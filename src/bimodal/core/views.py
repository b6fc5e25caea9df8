"""Pages of the core app: teams and org units, the audit log and areas still to come."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from bimodal.core import audit, generic, hooks, services
from bimodal.core.filtersets import AuditEntryFilterSet, TeamFilterSet
from bimodal.core.forms import TeamForm
from bimodal.core.htmx import HtmxHttpRequest
from bimodal.core.models import Actor, AuditEntry, OrgUnit, Team, User
from bimodal.core.permissions import can
from bimodal.core.querysets import RestrictedQuerySet
from bimodal.core.roles import Role
from bimodal.core.tables import AuditEntryTable, TeamTable

AUDIT_PAGE_SIZE = 50
ROLE_LABELS = dict(Role.choices)

# --- Teams and org units -------------------------------------------------------------------------------


def _teams_with_counts(user: Actor) -> RestrictedQuerySet[Team]:
    """Teams `user` may see, with org unit, lead and member/service counts, in one query."""
    # Counted in correlated subqueries: joining members and services at once multiplied a team's rows
    # (members × services) before the DISTINCT counts, which cost seconds at 20,000 services.
    members = (
        User.objects.filter(teams=OuterRef("pk"))
        .order_by()
        .values("teams")
        .annotate(n=Count("*"))
        .values("n")
    )
    services = (
        hooks.visible_services(user)
        .filter(owner_team_id=OuterRef("pk"))
        .order_by()
        .values("owner_team_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    return (
        Team.objects.restrict(user, "view")
        .select_related("org_unit", "lead")
        .annotate(
            member_count=Coalesce(Subquery(members), 0),
            service_count=Coalesce(Subquery(services), 0),
        )
    )


class TeamList(generic.ObjectListView):
    """All teams the user may see, filterable by org unit, kind and text; CSV export."""

    model = Team
    area = "organisation"
    filterset_class = TeamFilterSet
    table_class = TeamTable
    template_name = "core/team_list.html"
    partial_template_name = "core/_team_results.html"
    export_filename = "teams.csv"

    def get_queryset(self, request: HttpRequest) -> RestrictedQuerySet[Team]:
        return _teams_with_counts(request.user)


team_list = TeamList.as_view()


class TeamDetail(generic.ObjectDetailView):
    """A team with its lead, its members and their roles, and the services it owns."""

    model = Team
    area = "organisation"
    template_name = "core/team_detail.html"

    def get_queryset(self, request: HttpRequest) -> RestrictedQuerySet[Team]:
        return Team.objects.select_related("org_unit", "lead", "supplier")

    def extra_context(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        team = kwargs["obj"]
        members = team.members.order_by("first_name", "last_name", "username").prefetch_related("groups")
        services = hooks.visible_services(request.user).filter(owner_team=team)
        return {
            "member_rows": [
                (member, [ROLE_LABELS.get(group.name, group.name) for group in member.groups.all()])
                for member in members
            ],
            "services": services.order_by("criticality", "name"),
            "can_change": can(request.user, "change", team),
        }


team_detail = TeamDetail.as_view()


class TeamEdit(generic.ObjectEditView):
    """Add a team or change one (core.services.team_create / team_update); 403 for those who may not."""

    model = Team
    area = "organisation"
    form_class = TeamForm
    template_name = "core/team_form.html"
    create_service = services.team_create
    update_service = services.team_update
    success_message = "Team “{object}” saved."

    def form_kwargs(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {"user": request.user}


team_create = TeamEdit.as_view()
team_edit = TeamEdit.as_view()


def _tree(units: list[OrgUnit]) -> list[tuple[OrgUnit, int]]:
    """Org units in hierarchy order with their depth (units whose parent is hidden become roots)."""
    ids = {unit.pk for unit in units}
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)
    rows: list[tuple[OrgUnit, int]] = []
    stack = [(unit, 0) for unit in reversed(children.get(None, []))]
    while stack:
        unit, depth = stack.pop()
        rows.append((unit, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(unit.pk, [])))
    return rows


def _units_with_counts(user: Actor) -> RestrictedQuerySet[OrgUnit]:
    """Org units `user` may see with their head and number of visible teams."""
    visible_teams = Team.objects.restrict(user, "view").values("pk")
    return (
        OrgUnit.objects.restrict(user, "view")
        .select_related("parent", "head")
        .annotate(team_count=Count("teams", filter=Q(teams__in=visible_teams), distinct=True))
    )


class OrgUnitList(generic.ObjectListView):
    """The org units as a hierarchy with their governance model (one page: a tree is not paged)."""

    model = OrgUnit
    area = "organisation"
    template_name = "core/orgunit_list.html"
    export_filename = "org-units.csv"
    per_page = 0

    def get_queryset(self, request: HttpRequest) -> RestrictedQuerySet[OrgUnit]:
        return _units_with_counts(request.user)

    def extra_context(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        return {"rows": _tree(list(self.get_queryset(request)))}


orgunit_list = OrgUnitList.as_view()


class OrgUnitDetail(generic.ObjectDetailView):
    """An org unit with its teams and child units."""

    model = OrgUnit
    area = "organisation"
    template_name = "core/orgunit_detail.html"
    context_object_name = "unit"

    def get_queryset(self, request: HttpRequest) -> RestrictedQuerySet[OrgUnit]:
        return OrgUnit.objects.select_related("parent", "head")

    def extra_context(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        unit = kwargs["obj"]
        return {
            "teams": _teams_with_counts(request.user).filter(org_unit=unit).order_by("name"),
            "children": _units_with_counts(request.user).filter(parent=unit).order_by("name"),
        }


orgunit_detail = OrgUnitDetail.as_view()


# --- Audit log -----------------------------------------------------------------------------------------


class AuditList(generic.ObjectListView):
    """The audit log, newest first, filterable; htmx requests get the results partial only."""

    model = AuditEntry
    area = "audit"
    filterset_class = AuditEntryFilterSet
    table_class = AuditEntryTable
    template_name = "core/audit_list.html"
    partial_template_name = "core/_audit_results.html"
    per_page = AUDIT_PAGE_SIZE
    export_filename = "audit-log.csv"

    def get_queryset(self, request: HttpRequest) -> RestrictedQuerySet[AuditEntry]:
        return AuditEntry.objects.restrict(request.user).select_related("content_type")


audit_list = AuditList.as_view()


class AuditDetail(generic.ObjectDetailView):
    """One audit entry: before/after diff, hashes, and the other entries about the same object."""

    model = AuditEntry
    area = "audit"
    template_name = "core/audit_detail.html"
    lookup_field = "seq"
    context_object_name = "entry"

    def get_queryset(self, request: HttpRequest) -> RestrictedQuerySet[AuditEntry]:
        return AuditEntry.objects.select_related("actor", "content_type")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm("core.view_auditentry"):
            raise PermissionDenied  # the audit log is for those who may read it: 403, as its list
        return super().get(request, *args, **kwargs)

    def extra_context(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        entry = kwargs["obj"]
        history = (
            AuditEntry.objects.restrict(request.user)
            .filter(content_type_id=entry.content_type_id, object_id=entry.object_id)
            .exclude(pk=entry.pk)
            .order_by("-seq")[:20]
        )
        return {"changes": entry.shown_changes, "history": history}


audit_detail = AuditDetail.as_view()


@login_required
@permission_required("core.view_auditentry", raise_exception=True)
def audit_object(request: HttpRequest, seq: int) -> HttpResponse:
    """Redirect to the page of the object an entry is about, if it still exists and the user may see it."""
    entry = get_object_or_404(
        AuditEntry.objects.restrict(request.user).select_related("content_type"), seq=seq
    )
    model = entry.content_type.model_class()
    manager = getattr(model, "_default_manager", None)
    obj = None
    if manager is not None and hasattr(manager, "restrict") and hasattr(model, "get_absolute_url"):
        obj = manager.restrict(request.user, "view").filter(pk=entry.object_id).first()
    if obj is None:
        messages.info(request, f"“{entry.object_repr}” no longer exists, has no page, or is hidden from you.")
        return redirect("core:audit_detail", seq=entry.seq)
    return redirect(obj)


@login_required
@permission_required("core.view_auditentry", raise_exception=True)
@require_POST
def audit_verify(request: HtmxHttpRequest) -> HttpResponse:
    """Recompute the hash chain and show how many entries were checked and any problems."""
    checked, problems = audit.verify()
    context = {"active_area": "audit", "checked": checked, "problems": problems}
    template = "core/_audit_verify_result.html" if request.htmx else "core/audit_verify.html"
    return render(request, template, context)
