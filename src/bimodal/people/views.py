"""Pages of the people app: the heat-map skills matrix, the gap analysis and skill profiles.

Reads come from the selectors; writes (proficiency, skills, profile entries) go through `services`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from bimodal.core import generic
from bimodal.core.forms import apply_validation_error
from bimodal.core.models import User
from bimodal.core.permissions import get_restricted_object
from bimodal.people import charts, selectors, services
from bimodal.people.forms import ProficiencyForm, RequirementForm, SkillForm, TeamModeForm
from bimodal.people.models import Skill

AREA = {"active_area": "people"}


@login_required
@permission_required("people.view_proficiency", raise_exception=True)
def matrix(request):
    """The skills matrix of a team (or of everyone rated) as a heat map."""
    form = TeamModeForm(request.GET or None, user=request.user)
    team = form.cleaned_data.get("team") if form.is_valid() else None
    if team:
        people = selectors.team_people(team)
    else:
        ids = selectors.proficiency_list(user=request.user).values("person_id")
        people = list(User.objects.filter(pk__in=ids).order_by("last_name", "username"))
    data = selectors.matrix(user=request.user, people=people)
    chart = charts.skills_heatmap(data) if data["people"] and data["skills"] else ""
    context = {**AREA, "form": form, "team": team, "chart": chart, "data": data}
    htmx = getattr(request, "htmx", None)
    response = render(
        request, "people/_matrix.html" if htmx and not htmx.boosted else "people/matrix.html", context
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@permission_required("people.view_skillrequirement", raise_exception=True)
def gaps(request):
    """Gap analysis: one team and mode in detail, or the overview of every team and mode."""
    form = TeamModeForm(request.GET or None, user=request.user)
    team = mode = None
    if form.is_valid():
        team, mode = form.cleaned_data.get("team"), form.cleaned_data.get("mode")
    context = {**AREA, "form": form, "team": team, "mode": mode}
    if team and mode:
        rows = selectors.gap_analysis(user=request.user, team=team, mode=mode)
        context.update(rows=rows, totals=selectors.gap_totals(rows))
    else:
        overview = []
        for t, m in selectors.team_modes(user=request.user):
            totals = selectors.gap_totals(selectors.gap_analysis(user=request.user, team=t, mode=m))
            overview.append({"team": t, "mode": m, **totals})
        context["overview"] = overview
    return render(request, "people/gaps.html", context)


@login_required
@permission_required("people.view_skill", raise_exception=True)
def profiles(request):
    """The skills catalogue and the skill profiles of modes and services."""
    requirements = list(
        selectors.requirement_list(user=request.user).order_by("mode__order", "service__name", "skill__name")
    )
    context = {
        **AREA,
        "skills": selectors.skill_list(user=request.user),
        "mode_reqs": [r for r in requirements if r.mode_id],
        "service_reqs": [r for r in requirements if r.service_id],
    }
    return render(request, "people/profiles.html", context)


@login_required
@permission_required("people.add_proficiency", raise_exception=True)
def proficiency_record(request):
    """Record a person's proficiency (team leads for their members)."""
    form = ProficiencyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            rating = services.proficiency_record(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Recorded: {rating}.")
            return redirect("people:matrix")
    return render(request, "people/proficiency_form.html", {**AREA, "form": form})


def _profile_form_page(request, form, title: str, back: str | None = None):
    return render(
        request,
        "people/profile_form.html",
        {**AREA, "form": form, "title": title, "back": back or reverse("people:profiles")},
    )


class SkillEdit(generic.ObjectEditView):
    """Add a skill to the catalogue or change one (governance leads): 404 when it cannot be seen, 403 when
    it cannot be changed."""

    model = Skill
    area = AREA["active_area"]
    form_class = SkillForm
    template_name = "people/profile_form.html"
    create_service = services.skill_create
    update_service = services.skill_update
    success_message = "Skill “{object}” saved."
    success_url = "people:profiles"

    def extra_context(self, request, obj=None, **kwargs):
        return {
            "title": f"Edit skill {obj.name}" if obj else "Add a skill",
            "back": reverse("people:profiles"),
        }


skill_create = SkillEdit.as_view()
skill_edit = SkillEdit.as_view()


@login_required
@permission_required("people.add_skillrequirement", raise_exception=True)
def requirement_create(request):
    """Add an entry to a mode's or a service's skill profile (?mode=<key> or ?service=<slug> preselects)."""
    initial = {k: request.GET[k] for k in ("mode", "service") if request.GET.get(k)}
    form = RequirementForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            requirement = services.requirement_set(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Profile saved: {requirement}.")
            return redirect("people:profiles")
    return _profile_form_page(request, form, "Add to a skill profile")


@login_required
def requirement_edit(request, pk):
    """Change the level, headcount or notes of a profile entry (its skill and mode or service stay)."""
    requirement = get_restricted_object(
        selectors.requirement_list(user=request.user), request.user, "change", pk=pk
    )
    form = RequirementForm(request.POST or None, user=request.user, requirement=requirement)
    if request.method == "POST" and form.is_valid():
        try:
            requirement = services.requirement_set(
                actor=request.user,
                skill=requirement.skill,
                mode=requirement.mode,
                service=requirement.service,
                **form.cleaned_data,
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Profile saved: {requirement}.")
            return redirect("people:profiles")
    return _profile_form_page(
        request, form, f"Edit profile: {requirement.mode or requirement.service} — {requirement.skill}"
    )
