"""Policies: list, detail with history, create, edit and try a draft against a sample change."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import render

from bimodal.core.forms import apply_validation_error
from bimodal.core.generic import ObjectDetailView, ObjectEditView, ObjectListView
from bimodal.core.querysets import RestrictedQuerySet
from bimodal.governance import profiles, selectors, services
from bimodal.governance.forms import (
    PolicyForm,
    PolicyTryForm,
)
from bimodal.governance.models import Policy


class PolicyList(ObjectListView):
    """The current version of every policy, grouped by policy set."""

    model = Policy
    area = "governance"
    template_name = "governance/policy_list.html"
    per_page = 100
    export_filename = "policies.csv"

    def get_queryset(self, request: HttpRequest) -> RestrictedQuerySet[Policy]:
        return (
            super()
            .get_queryset(request)
            .filter(is_current=True)
            .select_related("approver_forum")
            .order_by("policy_set", "priority", "key")
        )


class PolicyDetail(ObjectDetailView):
    """A policy's current version and its history of versions."""

    model = Policy
    area = "governance"
    lookup_field = "key"
    template_name = "governance/policy_detail.html"

    def get_queryset(self, request: HttpRequest) -> RestrictedQuerySet[Policy]:
        return Policy.objects.current().select_related("approver_forum", "created_by")

    def extra_context(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        versions = (
            Policy.objects.restrict(request.user)
            .filter(key=kwargs["obj"].key)
            .select_related("created_by")
            .order_by("-version")
        )
        policy = kwargs["obj"]
        return {
            "versions": versions,
            "generated": policy.policy_set.startswith(profiles.PROFILE_SET_PREFIX),
            "contradictions": selectors.policy_contradictions(policy),
        }


policy_list = PolicyList.as_view()
policy_detail = PolicyDetail.as_view()


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
