"""AI use cases: the register with shadow AI flagged, forms, the detail page, the ethics review decision."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bimodal.core.forms import apply_validation_error
from bimodal.core.permissions import can, get_restricted_object
from bimodal.registers import risk, selectors, services
from bimodal.registers.filtersets import AIUseCaseFilterSet
from bimodal.registers.forms import (
    AIUseCaseForm,
    DecideForm,
)
from bimodal.registers.models import AIUseCase
from bimodal.registers.views.base import AREA, RegisterItemEdit, _list, _next_stages


@login_required
def ai_list(request):
    """The AI register; shadow AI is flagged."""
    shadow_count = selectors.shadow_ai(user=request.user).count()
    return _list(
        request,
        filterset_class=AIUseCaseFilterSet,
        queryset=selectors.ai_list(user=request.user),
        template="registers/ai_list.html",
        partial="registers/_ai_results.html",
        extra={"shadow_count": shadow_count},
    )


class AIUseCaseCreate(RegisterItemEdit):
    """Register an AI use case and answer the risk questions (403 without the add permission)."""

    model = AIUseCase
    form_class = AIUseCaseForm
    template_name = "registers/ai_form.html"
    context_object_name = "use_case"  # the update service's keyword
    create_service = services.aiusecase_create
    update_service = services.aiusecase_update
    verb = "registered"

    def success_text(self, obj):
        return f"“{obj}” {self.verb}: {obj.get_risk_tier_display()} risk."

    def extra_context(self, request, obj=None, **kwargs):
        return {"item": obj}


class AIUseCaseEdit(AIUseCaseCreate):
    """Change an AI use case or re-answer its risk questions (404 when it cannot be seen, 403 when it
    cannot be changed)."""

    verb = "saved"


ai_create = AIUseCaseCreate.as_view()
ai_edit = AIUseCaseEdit.as_view()


@login_required
def ai_detail(request, slug):
    """One AI use case: tier and why, required controls, ethics review."""
    return _ai_page(request, _use_case(request, slug))


def _use_case(request, slug: str) -> AIUseCase:
    return get_restricted_object(
        selectors.ai_list(user=request.user).prefetch_related("services"), request.user, slug=slug
    )


def _ai_page(request, use_case: AIUseCase, *, decide_form: DecideForm | None = None, status: int = 200):
    """The use case's page; `decide_form` is a refused decision's form, kept as typed."""
    answers = [(q, bool(use_case.risk_answers.get(q.key))) for q in risk.AI_QUESTIONS]
    reasons = risk.ai_risk_tier(use_case.risk_answers).reasons
    context = {
        **AREA,
        "item": use_case,
        "kind": "ai",
        "answers": answers,
        "reasons": reasons,
        "can_change": can(request.user, "change", use_case),
        "decide_form": decide_form
        or (DecideForm() if request.user.has_perm("registers.decide_aiusecase") else None),
        "next_stages": _next_stages(use_case),
    }
    return render(request, "registers/ai_detail.html", context, status=status)


@login_required
@require_POST
@permission_required("registers.decide_aiusecase", raise_exception=True)
def ai_decide(request, slug):
    """Record the ethics review decision. Refused, the use case's page says why with the decision and
    conditions as typed (400 for a rule, 403 when the service refuses the person)."""
    use_case = get_restricted_object(AIUseCase.objects, request.user, slug=slug)
    form = DecideForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.aiusecase_decide(
                actor=request.user,
                use_case=use_case,
                decision=form.cleaned_data["ethics_decision"],
                conditions=form.cleaned_data["conditions"],
            )
        except (ValidationError, PermissionDenied) as exc:
            status = apply_validation_error(form, exc)
        else:
            messages.success(request, "Ethics review decision recorded.")
            return redirect(use_case)
    return _ai_page(request, _use_case(request, slug), decide_form=form, status=status)
