"""Policies: list, detail with history, create, edit and try a draft against a sample change."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from bimodal.core.forms import apply_validation_error
from bimodal.core.permissions import get_restricted_object
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


@login_required
@permission_required("governance.add_policy", raise_exception=True)
def policy_create(request):
    """Write a new policy."""
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_create(actor=request.user, **form.policy_fields())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Policy “{policy.name}” created.")
            return redirect(policy)
    return render(
        request, "governance/policy_form.html", {"active_area": "governance", "form": form, "policy": None}
    )


@login_required
@permission_required("governance.change_policy", raise_exception=True)
def policy_edit(request, key: str):
    """Edit a policy: saving stores a new version."""
    policy = get_restricted_object(Policy.objects.all(), request.user, key=key, is_current=True)
    draft = Policy.objects.get(pk=policy.pk)
    form = PolicyForm(request.POST or None, instance=draft)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.policy_update(
                actor=request.user,
                policy=policy,
                reason=form.cleaned_data.get("reason", ""),
                **form.policy_fields(),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Saved as version {new.version}.")
            return redirect(new)
    return render(
        request, "governance/policy_form.html", {"active_area": "governance", "form": form, "policy": policy}
    )


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
        draft = Policy(key=form.cleaned_data.get("key") or "draft", version=0, **form.policy_fields())
        try:
            result = services.policy_try(draft=draft, context=form.cleaned_data["context"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
    template = (
        "governance/_try_result.html" if getattr(request, "htmx", False) else "governance/policy_try.html"
    )
    return render(request, template, {"active_area": "governance", "form": form, "result": result})
