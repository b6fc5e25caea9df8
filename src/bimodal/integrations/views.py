"""Pages of the integrations app: repositories (list, create, edit, secret shown once), recent webhook
deliveries, and a service's deployments with their commits and merged pull requests."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bimodal.core.forms import apply_validation_error, style_widgets
from bimodal.core.htmx import filtered_page
from bimodal.core.permissions import can, get_restricted_object
from bimodal.integrations import selectors, services
from bimodal.integrations.filtersets import RepositoryFilterSet, WebhookDeliveryFilterSet
from bimodal.integrations.forms import RepositoryForm
from bimodal.integrations.models import Repository
from bimodal.portfolio.models import Service

PER_PAGE = 25
AREA = {"active_area": "integrations"}
SECRET_SESSION_KEY = "integrations_new_secret"


def _list(request, *, filterset_class, queryset, template: str, partial: str, extra: dict | None = None):
    """A filtered, paged list; an htmx request gets only the results fragment."""
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    style_widgets(filterset.form.fields)
    return filtered_page(
        request,
        filterset=filterset,
        template=template,
        partial=partial,
        context={**AREA, **(extra or {})},
        per_page=PER_PAGE,
    )


@login_required
@permission_required("integrations.view_repository", raise_exception=True)
def repository_list(request):
    """Repositories mapped to services, with where their webhooks go."""
    return _list(
        request,
        filterset_class=RepositoryFilterSet,
        queryset=selectors.repository_list(user=request.user),
        template="integrations/repository_list.html",
        partial="integrations/_repository_results.html",
        extra={"webhook_base": request.build_absolute_uri("/api/integrations/webhooks/")},
    )


def _form_data(form: RepositoryForm) -> dict:
    data = dict(form.cleaned_data)
    if form.fields["provider"].disabled:
        data.pop("provider", None)
    return data


@login_required
@permission_required("integrations.add_repository", raise_exception=True)
def repository_create(request):
    """Map a new repository to a service; its secret is shown once on the next page."""
    form = RepositoryForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            repository, secret = services.repository_create(actor=request.user, **_form_data(form))
        except (ValidationError, PermissionDenied) as exc:
            apply_validation_error(form, exc)
        else:
            request.session[SECRET_SESSION_KEY] = {"pk": repository.pk, "secret": secret}
            messages.success(request, f"{repository.full_name} now reports to {repository.service.name}.")
            return redirect(repository.get_absolute_url())
    return render(
        request, "integrations/repository_form.html", {**AREA, "form": form, "title": "Add a repository"}
    )


@login_required
def repository_detail(request, pk: int):
    """A repository: its mapping, webhook set-up, recent deliveries (and its new secret, once)."""
    repository = get_restricted_object(Repository.objects.select_related("service"), request.user, pk=pk)
    pending = request.session.get(SECRET_SESSION_KEY)
    secret = None
    if pending and pending.get("pk") == repository.pk:
        secret = pending["secret"]
        del request.session[SECRET_SESSION_KEY]
    deliveries = selectors.delivery_list(user=request.user).filter(repository=repository)[:20]
    context = {
        **AREA,
        "repository": repository,
        "secret": secret,
        "deliveries": deliveries,
        "can_change": can(request.user, "change", repository),
        "webhook_url": request.build_absolute_uri(f"/api/integrations/webhooks/{repository.provider}/"),
        "commit_count": repository.commits.count(),
        "pull_request_count": repository.pull_requests.count(),
    }
    return render(request, "integrations/repository_detail.html", context)


@login_required
def repository_edit(request, pk: int):
    """Change a repository's mapping (not its secret: rotate it instead)."""
    repository = get_restricted_object(Repository.objects.all(), request.user, "change", pk=pk)
    initial = {
        "provider": repository.provider,
        "full_name": repository.full_name,
        "external_id": repository.external_id,
        "service": repository.service.slug,
        "production_environments": ", ".join(repository.production_environments),
        "default_branch": repository.default_branch,
        "deploy_workflow": repository.deploy_workflow,
        "active": repository.active,
    }
    form = RepositoryForm(request.POST or None, user=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.repository_update(actor=request.user, repository=repository, **_form_data(form))
        except (ValidationError, PermissionDenied) as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Repository saved.")
            return redirect(repository.get_absolute_url())
    return render(
        request,
        "integrations/repository_form.html",
        {**AREA, "form": form, "title": f"Edit {repository.full_name}", "repository": repository},
    )


@login_required
@require_POST
def repository_rotate_secret(request, pk: int):
    """Give the repository a new webhook secret, shown once."""
    repository = get_restricted_object(Repository.objects.all(), request.user, "change", pk=pk)
    _, secret = services.repository_rotate_secret(actor=request.user, repository=repository)
    request.session[SECRET_SESSION_KEY] = {"pk": repository.pk, "secret": secret}
    messages.warning(request, "New secret set: update it in the provider's webhook settings now.")
    return redirect(repository.get_absolute_url())


@login_required
@permission_required("integrations.view_webhookdelivery", raise_exception=True)
def delivery_list(request):
    """Recent webhook deliveries and what became of them."""
    return _list(
        request,
        filterset_class=WebhookDeliveryFilterSet,
        queryset=selectors.delivery_list(user=request.user),
        template="integrations/delivery_list.html",
        partial="integrations/_delivery_results.html",
    )


@login_required
@permission_required("changes.view_deployment", raise_exception=True)
def service_deployments(request, slug: str):
    """A service's deployments from every source, each with its commits and merged pull requests."""
    service = get_restricted_object(Service.objects.all(), request.user, slug=slug)
    page = Paginator(selectors.service_deployments(user=request.user, service=service), PER_PAGE).get_page(
        request.GET.get("page")
    )
    deployments = list(page)
    shas = {dc.commit.sha for d in deployments for dc in d.deployment_commits.all()}
    repository_ids = {d.repository_id for d in deployments if d.repository_id}
    pull_requests = selectors.pull_requests_for_shas(
        user=request.user, repository_ids=repository_ids, shas=shas
    )
    rows = [
        {
            "deployment": d,
            "commits": [dc.commit for dc in d.deployment_commits.all()],
            "pull_requests": [
                pull_requests[dc.commit.sha]
                for dc in d.deployment_commits.all()
                if dc.commit.sha in pull_requests
            ],
        }
        for d in deployments
    ]
    return render(
        request,
        "integrations/service_deployments.html",
        {**AREA, "service": service, "page": page, "rows": rows},
    )
