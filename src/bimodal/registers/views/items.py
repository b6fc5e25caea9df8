"""Steps every register shares, by kind: review, stage transition, CSV export and import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bimodal.core.permissions import get_restricted_object
from bimodal.registers import csvio, services
from bimodal.registers.filtersets import AIUseCaseFilterSet, CloudAccountFilterSet, LowCodeAppFilterSet
from bimodal.registers.forms import (
    ImportForm,
)
from bimodal.registers.models import AIUseCase, CloudAccount, LowCodeApp
from bimodal.registers.views.base import AREA

KINDS = {
    "low-code": {
        "key": "low_code",
        "model": LowCodeApp,
        "label": "Low-code apps",
        "list": "registers:lowcode_list",
    },
    "ai": {"key": "ai", "model": AIUseCase, "label": "AI use cases", "list": "registers:ai_list"},
    "cloud": {
        "key": "cloud",
        "model": CloudAccount,
        "label": "Cloud accounts",
        "list": "registers:cloud_list",
    },
}


def _kind(kind: str) -> dict:
    if kind not in KINDS:
        raise Http404("No such register.")
    return KINDS[kind]


@login_required
@require_POST
def item_review(request, kind, slug):
    """Record that an item was reviewed today. The form is offered to exactly the people the service lets
    review, so a refusal is a bare 403 (no right to the step at all)."""
    item = get_restricted_object(_kind(kind)["model"].objects, request.user, slug=slug)
    services.item_review(actor=request.user, item=item, notes=request.POST.get("notes", ""))
    messages.success(request, f"Review recorded; next review due {item.next_review_due:%d %b %Y}.")
    return redirect(item)


@login_required
@require_POST
def item_transition(request, kind, slug):
    """Move an item to another stage. A plain choice among the stages offered, nothing typed: a refusal is
    a message on the item's page."""
    item = get_restricted_object(_kind(kind)["model"].objects, request.user, "change", slug=slug)
    try:
        services.item_transition(actor=request.user, item=item, stage=request.POST.get("stage", ""))
        messages.success(request, f"“{item}” is now {item.get_stage_display().lower()}.")
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect(item)


@login_required
def register_export(request, kind):
    """The filtered register as CSV in the import format."""
    spec = _kind(kind)
    filterset_class = {
        "low_code": LowCodeAppFilterSet,
        "ai": AIUseCaseFilterSet,
        "cloud": CloudAccountFilterSet,
    }[spec["key"]]
    queryset = spec["model"].objects.restrict(request.user, "view")
    text = csvio.export_register(spec["key"], filterset_class(request.GET, queryset=queryset).qs)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
    return response


@login_required
@permission_required("registers.import_registers", raise_exception=True)
def register_import(request, kind):
    """Upload a register CSV: all rows are written, or none."""
    spec = _kind(kind)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = csvio.import_register(actor=request.user, key=spec["key"], text=form.cleaned_data["text"])
        if result.ok:
            messages.success(
                request, f"Imported: {len(result.created)} created, {len(result.updated)} updated."
            )
            return redirect(spec["list"])
    columns = [c.name for c in csvio.SPECS[spec["key"]].columns if not c.export_only]
    return render(
        request,
        "registers/import.html",
        {
            **AREA,
            "form": form,
            "result": result,
            "label": spec["label"],
            "columns": columns,
            "back": spec["list"],
        },
    )
