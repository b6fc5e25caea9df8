"""Pages of the portfolio app: the service catalogue, service pages, CSV import/export and modes.

Reads start from the user's restricted querysets (or the selectors); writes go through `services` or
`csvio`. A refused write is a 403; an invalid one is shown on the form and writes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Q, When
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from bimodal.core.forms import apply_validation_error
from bimodal.core.htmx import wants_partial
from bimodal.core.models import AuditEntry
from bimodal.core.permissions import can, get_restricted_object
from bimodal.portfolio import charts, csvio, selectors
from bimodal.portfolio import services as portfolio_services
from bimodal.portfolio.choices import PATHWAY_TRANSITIONS, PATHWAYS_IN_FLIGHT
from bimodal.portfolio.filtersets import (
    AssessmentFilterSet,
    PathwayFilterSet,
    ProposalFilterSet,
    ServiceFilterSet,
)
from bimodal.portfolio.forms import (
    AssessmentForm,
    ChangeModeForm,
    CriterionForm,
    DecisionForm,
    DependencyForm,
    ModeForm,
    NewCriterionForm,
    PathwayForm,
    ProposalForm,
    ReadinessForm,
    ReadinessFormSet,
    ServiceForm,
    ServiceImportForm,
    StepForm,
    StepFormSet,
    prepare_filter_form,
)
from bimodal.portfolio.models import (
    Criterion,
    MigrationPathway,
    Mode,
    Questionnaire,
    Service,
    ServiceDependency,
)
from bimodal.portfolio.tables import ServiceTable

PER_PAGE = 25
HISTORY_LENGTH = 20


def _render(request, full: str, partial: str, context: dict) -> HttpResponse:
    """Render the full page or, for an htmx swap, just its fragment; caches keep the two apart."""
    if wants_partial(request):
        response = render(request, partial, {**context, "oob": True})
    else:
        response = render(request, full, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _filtered_services(request) -> ServiceFilterSet:
    """The user's services narrowed by the filters in the query string."""
    filterset = ServiceFilterSet(
        request.GET, queryset=selectors.service_list(user=request.user), request=request
    )
    filterset.bar_fields = prepare_filter_form(filterset.form, request.user)
    return filterset


def _service_table(request, queryset, **kwargs) -> ServiceTable:
    table = ServiceTable(queryset, **kwargs)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    return table


# --- the catalogue --------------------------------------------------------------------------------


@login_required
def service_list(request):
    """The service catalogue with its filter bar; htmx swaps only the results."""
    filterset = _filtered_services(request)
    # The table shows no tags: skip the selector's prefetch of them.
    table = _service_table(request, filterset.qs.prefetch_related(None))
    # Empty filters ("Any …") stay out of the URL that htmx pushes and of the export link.
    shown = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        if any(values):
            shown.setlist(key, [value for value in values if value])
    query = shown.copy()
    query.pop("page", None)
    query.pop("sort", None)
    context = {
        "active_area": "portfolio",
        "list_page": True,
        "filter": filterset,
        "table": table,
        "export_query": query.urlencode(),
        "filtered": bool(query),
    }
    response = _render(request, "portfolio/service_list.html", "portfolio/_service_results.html", context)
    if wants_partial(request):
        response["HX-Push-Url"] = f"{request.path}?{shown.urlencode()}" if shown else request.path
    return response


@login_required
def service_export(request):
    """The filtered services as CSV in the import format."""
    filterset = _filtered_services(request)
    response = HttpResponse(csvio.export_services(filterset.qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="services.csv"'
    return response


@login_required
@permission_required("portfolio.import_services", raise_exception=True)
def service_import_template(request):
    """An empty CSV with the import columns."""
    response = HttpResponse(",".join(csvio.COLUMNS) + "\n", content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="services-template.csv"'
    return response


@login_required
@permission_required("portfolio.import_services", raise_exception=True)
def service_import(request):
    """Upload a CSV of services; all rows are written, or none."""
    result = None
    dry_run = False
    if request.method == "POST":
        form = ServiceImportForm(request.POST, request.FILES)
        if form.is_valid():
            dry_run = form.cleaned_data["dry_run"]
            result = csvio.import_services(
                actor=request.user, text=form.cleaned_data["text"], dry_run=dry_run
            )
            if result.ok and not dry_run:
                messages.success(
                    request,
                    f"Imported: {len(result.created)} created, {len(result.updated)} updated, "
                    f"{len(result.unchanged)} unchanged.",
                )
    else:
        form = ServiceImportForm()
    return render(
        request,
        "portfolio/service_import.html",
        {
            "active_area": "portfolio",
            "form": form,
            "result": result,
            "dry_run": dry_run,
            "columns": csvio.COLUMNS,
            "required_columns": csvio.REQUIRED,
        },
    )


@login_required
@permission_required("portfolio.add_service", raise_exception=True)
def service_create(request):
    """Add a service to the portfolio."""
    form = ServiceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.service_fields()
        try:
            service = portfolio_services.service_create(actor=request.user, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Service “{service}” added.")
            return redirect(service)
    return render(
        request,
        "portfolio/service_form.html",
        {"active_area": "portfolio", "form": form, "service": None},
    )


# --- one service ----------------------------------------------------------------------------------


def _graph_context(request, service: Service, dependency_form: DependencyForm | None = None) -> dict:
    """Dependencies both ways, the blast radius and what the user may do to them."""
    user = request.user
    # Without the right to see dependency edges, the blast radius (walked over them) stays hidden too.
    can_see_graph = user.has_perm("portfolio.view_servicedependency")
    depends_on, used_by = selectors.service_dependencies(service, user=user)
    depends_on, used_by = list(depends_on), list(used_by)
    edge_ids = [edge.pk for edge in depends_on + used_by]
    removable = set()
    if edge_ids and user.has_perm("portfolio.delete_servicedependency"):
        removable = set(
            ServiceDependency.objects.restrict(user, "delete")
            .filter(pk__in=edge_ids)
            .values_list("pk", flat=True)
        )
    can_change = can(user, "change", service)
    can_add_dependency = can_change and user.has_perm("portfolio.add_servicedependency")
    if can_add_dependency and dependency_form is None:
        dependency_form = DependencyForm(service=service, user=user)
    return {
        "service": service,
        "depends_on": depends_on,
        "used_by": used_by,
        "removable": removable,
        "can_see_graph": can_see_graph,
        "blast": selectors.blast_radius(service, user=user) if can_see_graph else [],
        "can_change": can_change,
        "dependency_form": dependency_form if can_add_dependency else None,
    }


@login_required
def service_detail(request, slug: str):
    """One service: attributes, dependencies both ways, blast radius and history."""
    service = get_restricted_object(Service.objects.with_related(), request.user, slug=slug)
    history = None
    if request.user.has_perm("core.view_auditentry"):
        history = (
            AuditEntry.objects.restrict(request.user)
            .filter(content_type=ContentType.objects.get_for_model(Service), object_id=str(service.pk))
            .select_related("actor")
            .order_by("-seq")[:HISTORY_LENGTH]
        )
    latest_assessment, pathways = None, []
    if request.user.has_perm("portfolio.view_assessment"):
        latest_assessment = selectors.latest_assessments(user=request.user).filter(service=service).first()
    if request.user.has_perm("portfolio.view_migrationpathway"):
        pathways = list(selectors.pathways_in_flight(user=request.user).filter(service=service))
        for pathway in pathways:
            pathway.progress = selectors.progress(pathway)
    context = {
        **_graph_context(request, service),
        "active_area": "portfolio",
        "latest_assessment": latest_assessment,
        "pathways": pathways,
        "history": history,
        "can_plan": _may_plan(request.user, service),
        "can_reclassify": request.user.has_perm("portfolio.reclassify_service"),
    }
    return render(request, "portfolio/service_detail.html", context)


def _graph_response(request, service: Service, dependency_form=None):
    """After a dependency edit: the graph fragment for htmx, else back to the service page."""
    if wants_partial(request):
        context = _graph_context(request, service, dependency_form)
        return render(request, "portfolio/_service_graph.html", {**context, "oob": True})
    if dependency_form is not None and dependency_form.errors:
        for error in dependency_form.errors.values():
            messages.error(request, " ".join(error))
    return redirect(service)


@login_required
@require_POST
def dependency_add(request, slug: str):
    """Record that this service depends on another (htmx post from the service page)."""
    service = get_restricted_object(Service.objects.with_related(), request.user, "change", slug=slug)
    if not request.user.has_perm("portfolio.add_servicedependency"):
        raise PermissionDenied("You may not add dependencies.")
    form = DependencyForm(request.POST, service=service, user=request.user)
    if form.is_valid():
        try:
            edge = portfolio_services.dependency_add(
                actor=request.user,
                source=service,
                target=form.cleaned_data["target"],
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if not wants_partial(request):
                messages.success(request, f"Added: {edge}.")
            form = None
    return _graph_response(request, service, form)


@login_required
@require_POST
def dependency_remove(request, slug: str, pk: int):
    """Remove one dependency edge of this service (either direction)."""
    service = get_restricted_object(Service.objects.with_related(), request.user, slug=slug)
    edge = get_object_or_404(
        ServiceDependency.objects.restrict(request.user).filter(Q(source=service) | Q(target=service)), pk=pk
    )
    portfolio_services.dependency_remove(
        actor=request.user, dependency=edge, reason=request.POST.get("reason", "")
    )
    if not wants_partial(request):
        messages.success(request, f"Removed: {edge}.")
    return _graph_response(request, service)


@login_required
def service_edit(request, slug: str):
    """Change a service's attributes (not its mode)."""
    service = get_restricted_object(Service.objects.with_related(), request.user, "change", slug=slug)
    # The form validates a copy: the service function must see the unchanged row to audit before/after.
    draft = Service.objects.with_related().get(pk=service.pk)
    form = ServiceForm(request.POST or None, instance=draft, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.service_fields()
        try:
            portfolio_services.service_update(
                actor=request.user, service=service, reason=form.cleaned_data.get("reason", ""), **data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Service “{service}” saved.")
            return redirect(service)
    return render(
        request,
        "portfolio/service_form.html",
        {"active_area": "portfolio", "form": form, "service": service},
    )


@login_required
@permission_required("portfolio.reclassify_service", raise_exception=True)
def service_change_mode(request, slug: str):
    """Move a service to another mode, with a reason."""
    service = get_restricted_object(Service.objects.with_related(), request.user, slug=slug)
    form = ChangeModeForm(request.POST or None, service=service, user=request.user)
    if request.method == "POST" and form.is_valid():
        old_mode = service.mode
        try:
            portfolio_services.service_change_mode(
                actor=request.user,
                service=service,
                mode=form.cleaned_data["mode"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{service}” moved from {old_mode} to {service.mode}.")
            return redirect(service)
    return render(
        request,
        "portfolio/service_change_mode.html",
        {"active_area": "portfolio", "form": form, "service": service},
    )


# --- modes ----------------------------------------------------------------------------------------


@login_required
def mode_list(request):
    """The modes with their governance profiles and service counts."""
    return render(
        request,
        "portfolio/mode_list.html",
        {"active_area": "modes", "modes": selectors.mode_list(user=request.user)},
    )


@login_required
def mode_detail(request, key: str):
    """One mode: its governance profile, its services and (for governance) an edit form."""
    mode = get_restricted_object(Mode.objects.all(), request.user, key=key)
    can_edit = can(request.user, "change", mode)
    form = None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("You may not change modes.")
        form = ModeForm(request.POST, instance=Mode.objects.get(pk=mode.pk))
        if form.is_valid():
            try:
                portfolio_services.mode_update(
                    actor=request.user, mode=mode, reason=form.cleaned_data["reason"], **form.mode_fields()
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"{mode} saved.")
                return redirect(mode)
    elif can_edit:
        form = ModeForm(instance=Mode.objects.get(pk=mode.pk))
    services = selectors.service_list(user=request.user).filter(mode=mode)
    table = _service_table(request, services, exclude=("mode",))
    context = {"active_area": "modes", "mode": mode, "table": table, "form": form, "can_edit": can_edit}
    return _render(request, "portfolio/mode_detail.html", "portfolio/_service_results.html", context)


# --- assessment, map, proposals, pathways, questionnaires ------------------------------------------


def _need(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(f"You do not have permission {perm!r}.")


@login_required
def portfolio_map(request):
    """Cost of change × demand for change of every assessed service, and the TIME view."""
    _need(request.user, "portfolio.view_assessment")
    latest = selectors.latest_assessments(user=request.user).exclude(cost_of_change=None)
    points, time_points = [], []
    for a in latest:
        service = a.service
        point = {
            "name": service.name,
            "slug": service.slug,
            "mode": service.mode.short_name,
            "colour": service.mode.colour,
            "x": a.cost_of_change,
            "y": a.demand_for_change if a.demand_for_change is not None else 0,
            "recommended": a.recommended_mode.short_name if a.recommended_mode else "—",
            "differs": a.recommended_mode_id is not None and a.recommended_mode_id != service.mode_id,
            "functional_fit": a.functional_fit,
            "technical_fit": a.technical_fit,
        }
        points.append(point)
        if a.functional_fit is not None and a.technical_fit is not None:
            time_points.append(point)
    context = {
        "active_area": "portfolio",
        "tab": "map",
        "points": points,
        "differing": [p for p in points if p["differs"]],
        "map_chart": charts.portfolio_map(points) if points else "",
        "time_chart": charts.time_map(time_points) if time_points else "",
    }
    return render(request, "portfolio/map.html", context)


@login_required
def assessment_list(request):
    """The latest assessment of every visible service (all assessments with ?latest=false)."""
    _need(request.user, "portfolio.view_assessment")
    data = request.GET.copy()
    data.setdefault("latest", "true")
    filterset = AssessmentFilterSet(data, queryset=selectors.assessment_list(user=request.user))
    context = {
        "active_area": "portfolio",
        "tab": "assessments",
        "filter": filterset,
        "assessments": filterset.qs[:500],
    }
    return _render(request, "portfolio/assessment_list.html", "portfolio/_assessment_rows.html", context)


@login_required
def assessment_detail(request, pk: int):
    """One assessment: scores, recommendation, confidence, rationale and the answers given."""
    assessment = get_restricted_object(selectors.assessment_list(user=request.user), request.user, pk=pk)
    labels = {}
    for criterion in assessment.questionnaire.criteria.all():
        options = {o["value"]: f"{o['label']} ({o['score']}/4)" for o in criterion.options}
        labels[criterion.key] = (criterion.label, options)
    answers = [
        (labels.get(k, (k, {}))[0], labels.get(k, (k, {}))[1].get(v, v))
        for k, v in assessment.answers.items()
    ]
    modes = {m.key: m for m in Mode.objects.all()}
    scores = sorted(((modes.get(k), v) for k, v in assessment.scores.items()), key=lambda row: -row[1])
    context = {
        "active_area": "portfolio",
        "assessment": assessment,
        "service": assessment.service,
        "answers": answers,
        "scores": scores,
        "can_propose": assessment.differs and request.user.has_perm("portfolio.add_reclassificationproposal"),
    }
    return render(request, "portfolio/assessment_detail.html", context)


@login_required
def service_assess(request, slug: str):
    """Complete the questionnaire for a service; shows its assessment history."""
    service = get_restricted_object(Service.objects.with_related(), request.user, slug=slug)
    _need(request.user, "portfolio.view_assessment")
    questionnaire = selectors.current_questionnaire()
    may_assess = request.user.has_perm("portfolio.add_assessment") and (
        request.user.has_perm("portfolio.manage_all_services") or can(request.user, "change", service)
    )
    form = None
    if questionnaire is not None and may_assess:
        latest = service.assessments.filter(is_latest=True).first()
        initial = latest.answers if latest else {}
        form = AssessmentForm(request.POST or None, criteria=questionnaire.criteria.all(), initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                assessment = portfolio_services.assessment_record(
                    actor=request.user,
                    service=service,
                    answers=form.answers(),
                    notes=form.cleaned_data["notes"],
                    questionnaire=questionnaire,
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"Assessment of “{service}” recorded.")
                return redirect(assessment)
    elif request.method == "POST":
        raise PermissionDenied("You may not assess this service.")
    history = selectors.assessment_list(user=request.user).filter(service=service)[:50]
    context = {
        "active_area": "portfolio",
        "service": service,
        "questionnaire": questionnaire,
        "form": form,
        "history": history,
    }
    return render(
        request, "portfolio/service_assess.html", context, status=400 if form and form.errors else 200
    )


@login_required
def proposal_list(request):
    """Reclassification proposals, open ones first."""
    _need(request.user, "portfolio.view_reclassificationproposal")
    filterset = ProposalFilterSet(request.GET, queryset=selectors.proposal_list(user=request.user))
    proposals = filterset.qs.order_by(Case(When(status="open", then=0), default=1), "-created_at")[:500]
    context = {"active_area": "portfolio", "tab": "proposals", "filter": filterset, "proposals": proposals}
    return _render(request, "portfolio/proposal_list.html", "portfolio/_proposal_rows.html", context)


@login_required
def proposal_detail(request, pk: int):
    """One proposal with its evidence and its governance decision; whoever holds the decision right
    accepts or rejects it here (a forum decides it at its meeting)."""
    proposal = get_restricted_object(selectors.proposal_list(user=request.user), request.user, pk=pk)
    may_decide, why_not = portfolio_services.may_decide_proposal(request.user, proposal)
    form = DecisionForm(request.POST or None) if may_decide else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(why_not or "You may not decide this proposal.")
        if form.is_valid():
            note = form.cleaned_data["note"]
            try:
                if form.cleaned_data["decision"] == "accept":
                    portfolio_services.proposal_accept(actor=request.user, proposal=proposal, note=note)
                    messages.success(request, f"Accepted: {proposal.service} moved to {proposal.to_mode}.")
                else:
                    portfolio_services.proposal_reject(actor=request.user, proposal=proposal, note=note)
                    messages.success(request, "Proposal rejected.")
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                return redirect(proposal)
    context = {
        "active_area": "portfolio",
        "proposal": proposal,
        "form": form,
        "decision": portfolio_services.proposal_decision(proposal),
        "why_not": why_not,
    }
    return render(
        request, "portfolio/proposal_detail.html", context, status=400 if form and form.errors else 200
    )


@login_required
def proposal_create(request, slug: str):
    """Propose moving a service to another mode."""
    _need(request.user, "portfolio.add_reclassificationproposal")
    service = get_restricted_object(Service.objects.with_related(), request.user, slug=slug)
    latest = service.assessments.filter(is_latest=True).select_related("recommended_mode").first()
    initial = {}
    if latest and latest.differs:
        initial = {"to_mode": latest.recommended_mode, "reason": " ".join(latest.rationale[:4])}
    form = ProposalForm(request.POST or None, service=service, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = portfolio_services.proposal_create(
                actor=request.user,
                service=service,
                assessment=latest,
                evidence={"assessment": latest.pk, "scores": latest.scores} if latest else {},
                **form.cleaned_data,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Proposal opened for the governance leads.")
            return redirect(proposal)
    context = {"active_area": "portfolio", "service": service, "form": form}
    return render(request, "portfolio/proposal_form.html", context, status=400 if form.errors else 200)


@login_required
def pathway_list(request):
    """Migration pathways (in flight by default) with progress and blockers."""
    _need(request.user, "portfolio.view_migrationpathway")
    data = request.GET.copy()
    if "status" not in data:
        data.setlist("status", ["planned", "in_progress", "blocked"])
    filterset = PathwayFilterSet(data, queryset=selectors.pathway_list(user=request.user))
    pathways = list(filterset.qs[:500])
    for pathway in pathways:
        pathway.progress = selectors.progress(pathway)
    context = {"active_area": "portfolio", "tab": "pathways", "filter": filterset, "pathways": pathways}
    return _render(request, "portfolio/pathway_list.html", "portfolio/_pathway_rows.html", context)


@login_required
def pathway_detail(request, pk: int):
    """A pathway: steps with owners and dates, readiness criteria, progress, blockers; owners tick them off."""
    pathway = get_restricted_object(selectors.pathway_list(user=request.user), request.user, pk=pk)
    can_change = can(request.user, "change", pathway)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied("You may not change this pathway.")
        kind, item_pk = request.POST.get("kind"), request.POST.get("pk")
        try:
            if kind == "step":
                step = get_object_or_404(pathway.steps.all(), pk=item_pk)
                portfolio_services.pathway_step_update(
                    actor=request.user, step=step, done=request.POST.get("done") == "1"
                )
            elif kind == "readiness":
                item = get_object_or_404(pathway.readiness.all(), pk=item_pk)
                portfolio_services.readiness_update(
                    actor=request.user,
                    criterion=item,
                    met=request.POST.get("met") == "1",
                    evidence=request.POST.get("evidence", item.evidence),
                )
            elif kind == "status":
                portfolio_services.pathway_set_status(
                    actor=request.user, pathway=pathway, status=request.POST.get("status", "")
                )
            else:
                return HttpResponse("Unknown change.", status=400)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(pathway)
    return render(request, "portfolio/pathway_detail.html", _pathway_context(request, pathway, can_change))


def _pathway_context(request, pathway: MigrationPathway, can_change: bool, **forms) -> dict:
    pathway.progress = selectors.progress(pathway)
    open_pathway = pathway.status in PATHWAYS_IN_FLIGHT
    return {
        "active_area": "portfolio",
        "tab": "pathways",
        "pathway": pathway,
        "steps": pathway.steps.select_related("owner"),
        "readiness": pathway.readiness.all(),
        "can_change": can_change,
        "open_pathway": open_pathway,
        "next_statuses": sorted(PATHWAY_TRANSITIONS.get(pathway.status, ())),
        "step_form": forms.get("step_form")
        or (StepForm(prefix="step") if can_change and open_pathway else None),
        "readiness_form": forms.get("readiness_form")
        or (ReadinessForm(prefix="readiness") if can_change and open_pathway else None),
    }


def _changeable_pathway(request, pk: int) -> MigrationPathway:
    """The pathway if the user may see it (else 404) and change it (else 403)."""
    pathway = get_restricted_object(selectors.pathway_list(user=request.user), request.user, pk=pk)
    if not can(request.user, "change", pathway):
        raise PermissionDenied("You may not change this pathway.")
    return pathway


def _may_plan(user, service: Service) -> bool:
    return user.has_perm("portfolio.add_migrationpathway") and (
        user.has_perm("portfolio.manage_all_services") or can(user, "change", service)
    )


def _cleaned_rows(formset, *, skip: str) -> list[dict]:
    """The filled-in rows of a formset (rows without `skip` are left out)."""
    return [f.cleaned_data for f in formset if f.cleaned_data and f.cleaned_data.get(skip)]


@login_required
def pathway_create(request, slug: str):
    """Plan a migration pathway for a service: target mode, owner, dates, steps and readiness criteria."""
    service = get_restricted_object(Service.objects.with_related(), request.user, slug=slug)
    if not _may_plan(request.user, service):
        raise PermissionDenied("Only the service's owners and governance leads plan its pathways.")
    data = request.POST if request.method == "POST" else None
    initial = {"owner": request.user, "title": f"Move {service.name}"}
    form = PathwayForm(data, from_mode=service.mode, user=request.user, initial=initial)
    steps = StepFormSet(data, prefix="steps")
    readiness = ReadinessFormSet(data, prefix="readiness")
    if data is not None and form.is_valid() and steps.is_valid() and readiness.is_valid():
        try:
            pathway = portfolio_services.pathway_create(
                actor=request.user,
                service=service,
                steps=_cleaned_rows(steps, skip="title"),
                readiness=_cleaned_rows(readiness, skip="label"),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Pathway “{pathway}” planned.")
            return redirect(pathway)
    invalid = form.errors or steps.total_error_count() or readiness.total_error_count()
    context = {
        "active_area": "portfolio",
        "tab": "pathways",
        "service": service,
        "form": form,
        "steps": steps,
        "readiness": readiness,
    }
    return render(request, "portfolio/pathway_form.html", context, status=400 if data and invalid else 200)


@login_required
def pathway_edit(request, pk: int):
    """Change a pathway's plan: title, target mode, owner, target date and description."""
    pathway = _changeable_pathway(request, pk)
    initial = {
        "to_mode": pathway.to_mode,
        "title": pathway.title,
        "owner": pathway.owner,
        "target_date": pathway.target_date,
        "description": pathway.description,
    }
    form = PathwayForm(request.POST or None, from_mode=pathway.from_mode, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            portfolio_services.pathway_update(actor=request.user, pathway=pathway, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Pathway saved.")
            return redirect(pathway)
    context = {"active_area": "portfolio", "tab": "pathways", "pathway": pathway, "form": form}
    return render(request, "portfolio/pathway_form.html", context, status=400 if form.errors else 200)


def _pathway_inline_add(request, pk: int, *, form_class, prefix: str, add, done: str):
    """Add a step or criterion from the pathway page with `add(actor, pathway, **data)`; errors are shown there."""
    pathway = _changeable_pathway(request, pk)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            add(actor=request.user, pathway=pathway, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, done)
            return redirect(pathway)
    context = _pathway_context(request, pathway, True, **{f"{prefix}_form": form})
    return render(request, "portfolio/pathway_detail.html", context, status=400)


@login_required
@require_POST
def pathway_step_add(request, pk: int):
    """Add a step from the pathway page."""
    return _pathway_inline_add(
        request,
        pk,
        form_class=StepForm,
        prefix="step",
        add=portfolio_services.pathway_step_add,
        done="Step added.",
    )


@login_required
def pathway_step_edit(request, pk: int, step_pk: int):
    """Change one step: title, owner, due date, status and blocker."""
    pathway = _changeable_pathway(request, pk)
    step = get_object_or_404(pathway.steps.select_related("owner"), pk=step_pk)
    initial = {f: getattr(step, f) for f in ("title", "owner", "due_date", "status", "blocker")}
    form = StepForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            portfolio_services.pathway_step_update(actor=request.user, step=step, **changed)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Step “{step.title}” saved.")
            return redirect(pathway)
    context = {"active_area": "portfolio", "tab": "pathways", "pathway": pathway, "step": step, "form": form}
    return render(request, "portfolio/pathway_step_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def pathway_readiness_add(request, pk: int):
    """Add a readiness criterion from the pathway page."""
    return _pathway_inline_add(
        request,
        pk,
        form_class=ReadinessForm,
        prefix="readiness",
        add=portfolio_services.readiness_add,
        done="Readiness criterion added.",
    )


@login_required
def questionnaire_detail(request, version: int | None = None):
    """A questionnaire version and its criteria; governance leads copy, edit and publish versions."""
    _need(request.user, "portfolio.view_questionnaire")
    queryset = Questionnaire.objects.restrict(request.user).prefetch_related("criteria")
    if version is None:
        questionnaire = selectors.current_questionnaire()
        if questionnaire is None:
            raise Http404("No questionnaire is published.")
    else:
        questionnaire = get_object_or_404(queryset, version=version)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "new_version":
                _need(request.user, "portfolio.add_questionnaire")
                draft = portfolio_services.questionnaire_new_version(actor=request.user, source=questionnaire)
                messages.success(request, f"Draft v{draft.version} created: edit its criteria, then publish.")
                return redirect(draft)
            if action == "publish":
                portfolio_services.questionnaire_publish(actor=request.user, questionnaire=questionnaire)
                messages.success(request, f"v{questionnaire.version} is now the questionnaire in use.")
            else:
                return HttpResponse("Unknown action.", status=400)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(questionnaire)
    context = {
        "active_area": "portfolio",
        "tab": "questionnaire",
        "questionnaire": questionnaire,
        "criteria": questionnaire.criteria.all(),
        "versions": Questionnaire.objects.restrict(request.user).only("version", "status", "name"),
        "can_edit": request.user.has_perm("portfolio.change_criterion") and questionnaire.status == "draft",
        "can_add": request.user.has_perm("portfolio.add_criterion") and questionnaire.status == "draft",
        "can_remove": request.user.has_perm("portfolio.delete_criterion") and questionnaire.status == "draft",
        "can_copy": request.user.has_perm("portfolio.add_questionnaire"),
    }
    return render(request, "portfolio/questionnaire_detail.html", context)


@login_required
def criterion_edit(request, version: int, key: str):
    """Edit one criterion of a draft questionnaire."""
    criterion = get_restricted_object(
        Criterion.objects.select_related("questionnaire"),
        request.user,
        "change",
        questionnaire__version=version,
        key=key,
    )
    form = CriterionForm(request.POST or None, instance=Criterion.objects.get(pk=criterion.pk))
    if request.method == "POST" and form.is_valid():
        try:
            portfolio_services.criterion_update(actor=request.user, criterion=criterion, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{criterion.label}” saved.")
            return redirect(criterion.questionnaire)
    context = {"active_area": "portfolio", "tab": "questionnaire", "criterion": criterion, "form": form}
    return render(request, "portfolio/criterion_form.html", context, status=400 if form.errors else 200)


@login_required
def criterion_add(request, version: int):
    """Add a criterion to a draft questionnaire (published versions are frozen: 403)."""
    _need(request.user, "portfolio.add_criterion")
    questionnaire = get_restricted_object(
        Questionnaire.objects.all(), request.user, "change", version=version
    )
    form = NewCriterionForm(request.POST or None, initial={"weight": 1, "mode_weights": {}, "options": []})
    if request.method == "POST" and form.is_valid():
        try:
            criterion = portfolio_services.criterion_add(
                actor=request.user, questionnaire=questionnaire, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{criterion.label}” added to v{questionnaire.version}.")
            return redirect(questionnaire)
    context = {
        "active_area": "portfolio",
        "tab": "questionnaire",
        "questionnaire": questionnaire,
        "criterion": None,
        "form": form,
    }
    return render(request, "portfolio/criterion_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def criterion_remove(request, version: int, key: str):
    """Remove a criterion from a draft questionnaire."""
    _need(request.user, "portfolio.delete_criterion")
    criterion = get_restricted_object(
        Criterion.objects.select_related("questionnaire"),
        request.user,
        "delete",
        questionnaire__version=version,
        key=key,
    )
    portfolio_services.criterion_remove(actor=request.user, criterion=criterion)
    messages.success(request, f"“{criterion.label}” removed from v{version}.")
    return redirect(criterion.questionnaire)
