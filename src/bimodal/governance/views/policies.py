"""Policies: list, detail with history, create, edit and try a draft against a sample change."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import render

from bimodal.core.forms import apply_validation_error
from bimodal.core.generic import ObjectEditView
from bimodal.core.permissions import get_restricted_object
from bimodal.core.querysets import RestrictedQuerySet
from bimodal.governance import services
from bimodal.governance.forms import (
    PolicyForm,
    PolicyTryForm,
)
from bimodal.governance.models import Policy


@login_required
@permission_required("governance.view_policy", raise_exception=True)
def policy_list(request):
    """The current version of every policy, grouped by policy set."""
    policies = (
        Policy.objects.restrict(request.user, "view")
        .current()
        .select_related("approver_forum")
        .order_by("policy_set", "priority", "key")
    )
    return render(request, "governance/policy_list.html", {"active_area": "governance", "policies": policies})


@login_required
def policy_detail(request, key: str):
    """A policy's current version and its history of versions."""
    policy = get_restricted_object(
        Policy.objects.select_related("approver_forum", "created_by"), request.user, key=key, is_current=True
    )
    versions = (
        Policy.objects.restrict(request.user)
        .filter(key=key)
        .select_related("created_by")
        .order_by("-version")
    )
    return render(
        request,
        "governance/policy_detail.html",
        {"active_area": "governance", "policy": policy, "versions": versions},
    )


class PolicyEdit(ObjectEditView):
    """Edit a policy: saving stores a new version."""

    model = Policy
    area = "governance"
    lookup_field = "key"
    template_name = "governance/policy_form.html"
    form_class = PolicyForm
    create_service = services.policy_create
    update_service = services.policy_update
    success_message = "Saved as version {object.version}."

    def get_queryset(self, request: HttpRequest) -> RestrictedQuerySet[Policy]:
        return Policy.objects.current()


class PolicyCreate(PolicyEdit):
    """Write a new policy."""

    success_message = "Policy “{object.name}” created."


policy_create = PolicyCreate.as_view()
policy_edit = PolicyEdit.as_view()


@login_required
@permission_required("governance.view_policy", raise_exception=True)
def policy_try(request):
    """Try a draft policy against an example change without saving it."""
    initial = {}
    source = request.GET.get("from")
    if source:
        base = Policy.objects.restrict(request.user).current().filter(key=source).first()
        if base is not None:
            form = PolicyTryForm(instance=base, initial={"key": base.key})
            return render(request, "governance/policy_try.html", {"active_area": "governance", "form": form})
    form = PolicyTryForm(request.POST or None, initial=initial)
    result = None
    if request.method == "POST" and form.is_valid():
        draft = Policy(key=form.cleaned_data.get("key") or "draft", version=0, **form.service_fields())
        try:
            result = services.policy_try(draft=draft, context=form.cleaned_data["context"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
    template = (
        "governance/_try_result.html" if getattr(request, "htmx", False) else "governance/policy_try.html"
    )
    return render(request, template, {"active_area": "governance", "form": form, "result": result})
