"""Pages of the core app."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from bimodal.core.models import AuditEntry, OrgUnit, Team
from bimodal.core.navigation import AREAS_BY_KEY
from bimodal.core.permissions import get_restricted_object
from bimodal.portfolio import selectors as portfolio_selectors


@login_required
def home(request):
    """The home dashboard: the portfolio by mode."""
    by_mode = portfolio_selectors.portfolio_by_mode(user=request.user)
    return render(
        request,
        "core/home.html",
        {"active_area": "home", "by_mode": by_mode, "total": sum(row["total"] for row in by_mode)},
    )


@login_required
def area(request, key: str):
    """An area that is not built yet: says what is coming."""
    area = AREAS_BY_KEY.get(key)
    if area is None or area.url_name:
        raise Http404("No such area.")
    return render(request, "core/area_coming.html", {"active_area": key, "area": area})


@login_required
def team_list(request):
    """All teams the user may see."""
    teams = Team.objects.restrict(request.user).select_related("org_unit", "lead", "supplier")
    return render(request, "core/team_list.html", {"active_area": "organisation", "teams": teams})


@login_required
def team_detail(request, slug: str):
    """A team with its members and the services it owns."""
    team = get_restricted_object(Team.objects.select_related("org_unit", "lead"), request.user, slug=slug)
    services = portfolio_selectors.service_list(user=request.user).filter(owner_team=team)
    return render(
        request,
        "core/team_detail.html",
        {"active_area": "organisation", "team": team, "members": team.members.all(), "services": services},
    )


@login_required
def orgunit_detail(request, slug: str):
    """An org unit with its teams."""
    unit = get_restricted_object(OrgUnit.objects.select_related("parent", "head"), request.user, slug=slug)
    teams = Team.objects.restrict(request.user).filter(org_unit=unit).select_related("lead")
    return render(
        request, "core/orgunit_detail.html", {"active_area": "organisation", "unit": unit, "teams": teams}
    )


@login_required
@permission_required("core.view_auditentry", raise_exception=True)
def audit_list(request):
    """The audit log, newest first."""
    entries = AuditEntry.objects.restrict(request.user).select_related("actor", "content_type")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"active_area": "audit", "page": page})
