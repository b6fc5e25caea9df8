"""Pages of the core app: the home dashboard, teams and org units, the audit log and areas still to come."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from bimodal.core import audit, services
from bimodal.core.filtersets import AuditEntryFilterSet, TeamFilterSet
from bimodal.core.forms import TeamForm
from bimodal.core.models import AuditEntry, OrgUnit, Team
from bimodal.core.permissions import can, get_restricted_object
from bimodal.core.roles import Role
from bimodal.core.tables import AuditEntryTable, TeamTable
from bimodal.portfolio import selectors as portfolio_selectors
from bimodal.portfolio.models import Service
from bimodal.suppliers.models import Supplier

AUDIT_PAGE_SIZE = 50
ROLE_LABELS = dict(Role.choices)

# Tier colours run from alarm (tier 0) to calm (tier 3); lifecycle colours from new to old.
_TIERS = [
    ("tier0", "Tier 0 · mission critical", "#a4161a"),
    ("tier1", "Tier 1 · business critical", "#e07a1f"),
    ("tier2", "Tier 2 · operational", "#5b84b1"),
    ("tier3", "Tier 3 · administrative", "#b8c4d6"),
]
_LIFECYCLES = [
    ("in_development", "Proposed / in build", "#7fb8a4"),
    ("live", "Live", "#2a7f62"),
    ("sunsetting", "Sunsetting / retired", "#9aa5b8"),
]


def _stacked_bar(by_mode: list[dict], series: list[tuple[str, str, str]], title: str) -> str:
    """A stacked bar per mode, one segment per series, as an HTML fragment (plotly.js loaded by the page)."""
    modes = [row["mode__short_name"] or row["mode__name"] for row in by_mode]
    fig = go.Figure(
        [
            go.Bar(
                name=label,
                x=modes,
                y=[row[key] for row in by_mode],
                marker_color=colour,
                hovertemplate=f"%{{x}} · {label}: %{{y}}<extra></extra>",
            )
            for key, label, colour in series
        ]
    )
    fig.update_layout(
        barmode="stack",
        template="none",
        title={"text": title, "font": {"size": 14}, "x": 0, "xanchor": "left"},
        height=300,
        margin={"l": 40, "r": 10, "t": 40, "b": 30},
        legend={"orientation": "h", "y": -0.15, "font": {"size": 11}, "traceorder": "normal"},
        font={
            "family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
            "size": 12,
            "color": "#2b3445",
        },
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        bargap=0.45,
        yaxis={"gridcolor": "#e2e7ef", "rangemode": "tozero", "tickformat": "d"},
    )
    return pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        config={"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]},
    )


@login_required
def home(request):
    """The home dashboard: the portfolio by mode, charts, organisation counts and the latest audit entries."""
    user = request.user
    by_mode = portfolio_selectors.portfolio_by_mode(user=user)
    charts = []
    if by_mode:
        charts = [
            _stacked_bar(by_mode, _TIERS, "Services by criticality tier"),
            _stacked_bar(by_mode, _LIFECYCLES, "Services by lifecycle"),
        ]
    can_audit = user.has_perm("core.view_auditentry")
    latest = []
    if can_audit:
        latest = AuditEntry.objects.restrict(user).select_related("content_type").order_by("-seq")[:8]
    context = {
        "active_area": "home",
        "by_mode": by_mode,
        "total": sum(row["total"] for row in by_mode),
        "charts": charts,
        "team_count": Team.objects.restrict(user).count() if user.has_perm("core.view_team") else None,
        "supplier_count": (
            Supplier.objects.restrict(user).count() if user.has_perm("suppliers.view_supplier") else None
        ),
        "can_audit": can_audit,
        "latest_entries": latest,
    }
    return render(request, "core/home.html", context)


# --- Teams and org units -------------------------------------------------------------------------------


def _teams_with_counts(user):
    """Teams `user` may see, with org unit, lead and member/service counts, in one query."""
    visible_services = Service.objects.restrict(user, "view").values("pk")
    return (
        Team.objects.restrict(user, "view")
        .select_related("org_unit", "lead")
        .annotate(
            member_count=Count("members", distinct=True),
            service_count=Count("services", filter=Q(services__in=visible_services), distinct=True),
        )
    )


@login_required
def team_list(request):
    """All teams the user may see, filterable by org unit, kind and text."""
    filterset = TeamFilterSet(request.GET or None, queryset=_teams_with_counts(request.user), request=request)
    table = TeamTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    context = {
        "active_area": "organisation",
        "filterset": filterset,
        "table": table,
        "can_add": request.user.has_perm("core.add_team"),
    }
    template = "core/_team_results.html" if request.htmx else "core/team_list.html"
    return render(request, template, context)


@login_required
def team_detail(request, slug: str):
    """A team with its lead, its members and their roles, and the services it owns."""
    team = get_restricted_object(
        Team.objects.select_related("org_unit", "lead", "supplier"), request.user, slug=slug
    )
    members = team.members.order_by("first_name", "last_name", "username").prefetch_related("groups")
    member_rows = [
        (member, [ROLE_LABELS.get(group.name, group.name) for group in member.groups.all()])
        for member in members
    ]
    services = (
        portfolio_selectors.service_list(user=request.user)
        .filter(owner_team=team)
        .order_by("criticality", "name")
    )
    context = {
        "active_area": "organisation",
        "team": team,
        "member_rows": member_rows,
        "services": services,
        "can_change": can(request.user, "change", team),
    }
    return render(request, "core/team_detail.html", context)


def _add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's validation errors on the form fields they belong to (or on the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@permission_required("core.add_team", raise_exception=True)
def team_create(request):
    """Add a team (through core.services.team_create)."""
    form = TeamForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(actor=request.user, **form.service_fields())
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Team “{team}” created.")
            return redirect(team)
    return render(request, "core/team_form.html", {"active_area": "organisation", "form": form, "team": None})


@login_required
def team_edit(request, slug: str):
    """Change a team (through core.services.team_update); 403 for those who may not change it."""
    team = get_restricted_object(Team.objects.all(), request.user, "change", slug=slug)
    form = TeamForm(request.POST or None, user=request.user, initial=TeamForm.initial_for(team))
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        try:
            team = services.team_update(
                actor=request.user, team=team, reason=form.cleaned_data["reason"], **fields
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Team “{team}” saved.")
            return redirect(team)
    return render(request, "core/team_form.html", {"active_area": "organisation", "form": form, "team": team})


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


def _units_with_counts(user):
    """Org units `user` may see with their head and number of visible teams."""
    visible_teams = Team.objects.restrict(user, "view").values("pk")
    return (
        OrgUnit.objects.restrict(user, "view")
        .select_related("parent", "head")
        .annotate(team_count=Count("teams", filter=Q(teams__in=visible_teams), distinct=True))
    )


@login_required
def orgunit_list(request):
    """The org units as a hierarchy with their governance model."""
    rows = _tree(list(_units_with_counts(request.user)))
    return render(request, "core/orgunit_list.html", {"active_area": "organisation", "rows": rows})


@login_required
def orgunit_detail(request, slug: str):
    """An org unit with its teams and child units."""
    unit = get_restricted_object(OrgUnit.objects.select_related("parent", "head"), request.user, slug=slug)
    teams = _teams_with_counts(request.user).filter(org_unit=unit).order_by("name")
    children = _units_with_counts(request.user).filter(parent=unit).order_by("name")
    return render(
        request,
        "core/orgunit_detail.html",
        {"active_area": "organisation", "unit": unit, "teams": teams, "children": children},
    )


# --- Audit log -----------------------------------------------------------------------------------------


@login_required
@permission_required("core.view_auditentry", raise_exception=True)
def audit_list(request):
    """The audit log, newest first, filterable; htmx requests get the results partial only."""
    entries = AuditEntry.objects.restrict(request.user).select_related("content_type")
    filterset = AuditEntryFilterSet(request.GET or None, queryset=entries, request=request)
    table = AuditEntryTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": AUDIT_PAGE_SIZE}).configure(table)
    context = {"active_area": "audit", "filterset": filterset, "table": table}
    template = "core/_audit_results.html" if request.htmx else "core/audit_list.html"
    return render(request, template, context)


@login_required
@permission_required("core.view_auditentry", raise_exception=True)
def audit_detail(request, seq: int):
    """One audit entry: before/after diff, hashes, and the other entries about the same object."""
    entry = get_object_or_404(
        AuditEntry.objects.restrict(request.user).select_related("actor", "content_type"), seq=seq
    )
    history = (
        AuditEntry.objects.restrict(request.user)
        .filter(content_type_id=entry.content_type_id, object_id=entry.object_id)
        .exclude(pk=entry.pk)
        .order_by("-seq")[:20]
    )
    return render(
        request,
        "core/audit_detail.html",
        {"active_area": "audit", "entry": entry, "changes": entry.changed_fields, "history": history},
    )


@login_required
@permission_required("core.view_auditentry", raise_exception=True)
def audit_object(request, seq: int):
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
def audit_verify(request):
    """Recompute the hash chain and show how many entries were checked and any problems."""
    checked, problems = audit.verify()
    context = {"active_area": "audit", "checked": checked, "problems": problems}
    template = "core/_audit_verify_result.html" if request.htmx else "core/audit_verify.html"
    return render(request, template, context)
