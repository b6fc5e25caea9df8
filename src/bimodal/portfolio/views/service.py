"""One service: its page with the dependency graph, dependencies, editing and moving it to another mode."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from bimodal.core.forms import apply_validation_error
from bimodal.core.htmx import wants_partial
from bimodal.core.models import AuditEntry
from bimodal.core.permissions import can, get_restricted_object
from bimodal.portfolio import charts, selectors
from bimodal.portfolio import services as portfolio_services
from bimodal.portfolio.forms import (
    ChangeModeForm,
    DependencyForm,
)
from bimodal.portfolio.models import (
    Service,
    ServiceDependency,
)
from bimodal.portfolio.views.base import (
    HISTORY_LENGTH,
)
from bimodal.portfolio.views.catalogue import ServiceCreate
from bimodal.portfolio.views.pathways import (
    _may_plan,
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
    blast = selectors.blast_radius(service, user=user) if can_see_graph else []
    graph_chart = ""
    if can_see_graph and (depends_on or blast):
        edges = selectors.blast_edges(service, [other for other, _ in blast], user=user)
        graph_chart = charts.dependency_graph(service, depends_on, blast, edges)
    return {
        "service": service,
        "graph_chart": graph_chart,
        "depends_on": depends_on,
        "used_by": used_by,
        "removable": removable,
        "can_see_graph": can_see_graph,
        "blast": blast,
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


class ServiceEdit(ServiceCreate):
    """Change a service's attributes, not its mode (404 when it cannot be seen, 403 when it cannot be
    changed); the form's reason goes to the audit log."""

    success_message = "Service “{object}” saved."


service_edit = ServiceEdit.as_view()


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
