"""Pages of the registers: lists with filters (full page or htmx partial), forms, detail pages with their
workflow steps, CSV import/export, the sprawl view and the governance review dashboard.

Reads start from the selectors (restricted querysets); writes go through `services` or `csvio`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bimodal.core.forms import apply_validation_error
from bimodal.core.htmx import filtered_page
from bimodal.core.permissions import can, get_restricted_object
from bimodal.registers import csvio, risk, selectors, services
from bimodal.registers.choices import STAGE_TRANSITIONS, RegisterStage
from bimodal.registers.filtersets import AIUseCaseFilterSet, CloudAccountFilterSet, LowCodeAppFilterSet
from bimodal.registers.forms import (
    AIUseCaseForm,
    CloudAccountForm,
    DecideForm,
    ImportForm,
    LowCodeAppForm,
    PromoteForm,
    style_filter_form,
)
from bimodal.registers.models import AIUseCase, CloudAccount, CloudCost, LowCodeApp

PER_PAGE = 25
AREA = {"active_area": "registers"}
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


def _list(request, *, filterset_class, queryset, template: str, partial: str, extra: dict | None = None):
    """A filtered, paged list; an htmx request gets only the results fragment."""
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    style_filter_form(filterset.form)
    return filtered_page(
        request,
        filterset=filterset,
        template=template,
        partial=partial,
        context={**AREA, **(extra or {})},
        per_page=PER_PAGE,
    )


def _next_stages(item) -> list[tuple[str, str]]:
    """(value, label) of the stages an item may move to from its page (promotion has its own step)."""
    allowed = STAGE_TRANSITIONS[item.stage] - {RegisterStage.PROMOTED}
    return [(value, label) for value, label in RegisterStage.choices if value in allowed]


@login_required
def dashboard(request):
    """Governance overview of the registers: reviews due and overdue, shadow AI, cloud sprawl."""
    user = request.user
    context = {
        **AREA,
        "reviews": selectors.review_dashboard(user=user),
        "shadow": list(selectors.shadow_ai(user=user)[:10]),
        "sprawl": selectors.sprawl_summary(user=user),
        "counts": {
            "low_code": selectors.lowcode_list(user=user).count(),
            "ai": selectors.ai_list(user=user).count(),
            "cloud": selectors.cloud_list(user=user).count(),
        },
    }
    return render(request, "registers/dashboard.html", context)


def _edit_page(request, form, item, list_url: str, list_label: str):
    """The shared form page in its "edit" dress: title, Save button, back to the item."""
    return render(
        request,
        "registers/item_form.html",
        {
            **AREA,
            "form": form,
            "item": item,
            "title": f"Edit {item.name}",
            "cancel": list_url,
            "list_label": list_label,
        },
    )


# --- low-code apps ---------------------------------------------------------------------------------


@login_required
def lowcode_list(request):
    """The low-code register."""
    return _list(
        request,
        filterset_class=LowCodeAppFilterSet,
        queryset=selectors.lowcode_list(user=request.user),
        template="registers/lowcode_list.html",
        partial="registers/_lowcode_results.html",
    )


@login_required
@permission_required("registers.add_lowcodeapp", raise_exception=True)
def lowcode_create(request):
    """Register a low-code app."""
    form = LowCodeAppForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            app = services.lowcode_create(actor=request.user, **form.data_for_service())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, f"“{app}” registered: risk {app.get_risk_level_display()} ({app.risk_score})."
            )
            return redirect(app)
    return render(
        request,
        "registers/item_form.html",
        {**AREA, "form": form, "title": "Register a low-code app", "cancel": "registers:lowcode_list"},
    )


@login_required
def lowcode_edit(request, slug):
    """Change a low-code app; its risk score and controls are recomputed by the service."""
    app = get_restricted_object(LowCodeApp.objects, request.user, "change", slug=slug)
    form = LowCodeAppForm(request.POST or None, instance=app, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service()
        app.refresh_from_db()  # the form wrote its values on the instance; the service diffs from the saved row
        try:
            app = services.lowcode_update(actor=request.user, app=app, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, f"“{app}” saved: risk {app.get_risk_level_display()} ({app.risk_score})."
            )
            return redirect(app)
    return _edit_page(request, form, app, "registers:lowcode_list", "Low-code apps")


@login_required
def lowcode_detail(request, slug):
    """One low-code app: risk factors, required controls, review and promotion."""
    app = get_restricted_object(
        selectors.lowcode_list(user=request.user).prefetch_related("integrations__mode"),
        request.user,
        slug=slug,
    )
    factors = risk.low_code_risk(
        users=app.user_count,
        data_classification=app.data_classification,
        integrations=len(app.integrations.all()),
        critical_integrations=sum(1 for s in app.integrations.all() if s.criticality <= 1),
        support=app.support_wrapper,
    ).factors
    context = {
        **AREA,
        "item": app,
        "kind": "low-code",
        "factors": factors,
        "can_change": can(request.user, "change", app),
        "promote_form": PromoteForm(user=request.user)
        if request.user.has_perm("registers.promote_lowcodeapp") and app.stage == RegisterStage.IN_USE
        else None,
        "next_stages": _next_stages(app),
    }
    return render(request, "registers/lowcode_detail.html", context)


@login_required
@require_POST
@permission_required("registers.promote_lowcodeapp", raise_exception=True)
def lowcode_promote(request, slug):
    """Promote an app into the service catalogue."""
    app = get_restricted_object(LowCodeApp.objects, request.user, slug=slug)
    form = PromoteForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            app = services.lowcode_promote(actor=request.user, app=app, **form.cleaned_data)
            messages.success(request, f"“{app}” is now a service in the catalogue.")
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
    else:
        messages.error(request, "Choose a mode.")
    return redirect(app)


# --- AI use cases ----------------------------------------------------------------------------------


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


@login_required
@permission_required("registers.add_aiusecase", raise_exception=True)
def ai_create(request):
    """Register an AI use case and answer the risk questions."""
    form = AIUseCaseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            use_case = services.aiusecase_create(actor=request.user, **form.data_for_service())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{use_case}” registered: {use_case.get_risk_tier_display()} risk.")
            return redirect(use_case)
    return render(request, "registers/ai_form.html", {**AREA, "form": form, "item": None})


@login_required
def ai_edit(request, slug):
    """Change an AI use case or re-answer its risk questions."""
    use_case = get_restricted_object(AIUseCase.objects, request.user, "change", slug=slug)
    form = AIUseCaseForm(request.POST or None, instance=use_case, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service()
        use_case.refresh_from_db()
        try:
            use_case = services.aiusecase_update(actor=request.user, use_case=use_case, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{use_case}” saved: {use_case.get_risk_tier_display()} risk.")
            return redirect(use_case)
    return render(request, "registers/ai_form.html", {**AREA, "form": form, "item": use_case})


@login_required
def ai_detail(request, slug):
    """One AI use case: tier and why, required controls, ethics review."""
    use_case = get_restricted_object(
        selectors.ai_list(user=request.user).prefetch_related("services"), request.user, slug=slug
    )
    answers = [(q, bool(use_case.risk_answers.get(q.key))) for q in risk.AI_QUESTIONS]
    reasons = risk.ai_risk_tier(use_case.risk_answers).reasons
    context = {
        **AREA,
        "item": use_case,
        "kind": "ai",
        "answers": answers,
        "reasons": reasons,
        "can_change": can(request.user, "change", use_case),
        "decide_form": DecideForm() if request.user.has_perm("registers.decide_aiusecase") else None,
        "next_stages": _next_stages(use_case),
    }
    return render(request, "registers/ai_detail.html", context)


@login_required
@require_POST
@permission_required("registers.decide_aiusecase", raise_exception=True)
def ai_decide(request, slug):
    """Record the ethics review decision."""
    use_case = get_restricted_object(AIUseCase.objects, request.user, slug=slug)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.aiusecase_decide(
                actor=request.user,
                use_case=use_case,
                decision=form.cleaned_data["ethics_decision"],
                conditions=form.cleaned_data["conditions"],
            )
            messages.success(request, "Ethics review decision recorded.")
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
    return redirect(use_case)


# --- cloud accounts --------------------------------------------------------------------------------


def _bar_chart(x, y, colours=None, title="") -> str:
    """A small plotly bar chart as an HTML fragment (plotly.js is loaded by the page)."""
    import plotly.graph_objects as go
    import plotly.io as pio

    fig = go.Figure(go.Bar(x=x, y=y, marker_color=colours or "#1f4e79"))
    fig.update_layout(
        template="none",
        height=280,
        margin={"l": 50, "r": 10, "t": 30, "b": 40},
        title={"text": title, "font": {"size": 13}},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return pio.to_html(
        fig, include_plotlyjs=False, full_html=False, config={"displaylogo": False, "responsive": True}
    )


@login_required
def cloud_list(request):
    """The cloud register with sprawl indicators and cost by mode."""
    by_mode = selectors.cost_by_mode(user=request.user)
    monthly = selectors.monthly_costs(user=request.user)
    extra = {
        "sprawl": selectors.sprawl_summary(user=request.user),
        "by_mode": by_mode,
        "mode_chart": _bar_chart(
            [r["mode"] for r in by_mode],
            [float(r["total"]) for r in by_mode],
            [r["colour"] for r in by_mode],
            "Cost by mode, last 12 months",
        )
        if by_mode
        else "",
        "month_chart": _bar_chart(
            [f"{r['month']:%b %Y}" for r in monthly],
            [float(r["total"]) for r in monthly],
            None,
            "Total cost per month",
        )
        if monthly
        else "",
    }
    return _list(
        request,
        filterset_class=CloudAccountFilterSet,
        queryset=selectors.cloud_list(user=request.user),
        template="registers/cloud_list.html",
        partial="registers/_cloud_results.html",
        extra=extra,
    )


@login_required
@permission_required("registers.add_cloudaccount", raise_exception=True)
def cloud_create(request):
    """Register a cloud account."""
    form = CloudAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.cloudaccount_create(actor=request.user, **form.data_for_service())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{account}” registered.")
            return redirect(account)
    return render(
        request,
        "registers/item_form.html",
        {**AREA, "form": form, "title": "Register a cloud account", "cancel": "registers:cloud_list"},
    )


@login_required
def cloud_edit(request, slug):
    """Change a cloud account: owner, services, budget, resource counts, stage."""
    account = get_restricted_object(CloudAccount.objects, request.user, "change", slug=slug)
    form = CloudAccountForm(request.POST or None, instance=account, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service()
        account.refresh_from_db()
        try:
            account = services.cloudaccount_update(actor=request.user, account=account, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{account}” saved.")
            return redirect(account)
    return _edit_page(request, form, account, "registers:cloud_list", "Cloud accounts")


@login_required
def cloud_detail(request, slug):
    """One cloud account: cost history against budget, tagging, idle and orphaned resources."""
    account = get_restricted_object(
        selectors.cloud_list(user=request.user).prefetch_related("services__mode"), request.user, slug=slug
    )
    costs = list(CloudCost.objects.filter(account=account).order_by("month"))
    flags = risk.sprawl_flags(
        tagged=account.tagged_resources,
        total=account.total_resources,
        idle=account.idle_resources,
        orphaned=account.orphaned_resources,
        has_owner=account.owner_id is not None,
        services=account.service_count,
        over_budget=account.over_budget,
    )
    chart = (
        _bar_chart(
            [f"{c.month:%b %Y}" for c in costs], [float(c.amount) for c in costs], None, "Monthly cost"
        )
        if costs
        else ""
    )
    context = {
        **AREA,
        "item": account,
        "kind": "cloud",
        "costs": costs,
        "flags": flags,
        "chart": chart,
        "can_change": can(request.user, "change", account),
        "next_stages": _next_stages(account),
    }
    return render(request, "registers/cloud_detail.html", context)


# --- shared steps: review, transition, CSV ---------------------------------------------------------


def _kind(kind: str) -> dict:
    if kind not in KINDS:
        raise Http404("No such register.")
    return KINDS[kind]


@login_required
@require_POST
def item_review(request, kind, slug):
    """Record that an item was reviewed today."""
    item = get_restricted_object(_kind(kind)["model"].objects, request.user, slug=slug)
    services.item_review(actor=request.user, item=item, notes=request.POST.get("notes", ""))
    messages.success(request, f"Review recorded; next review due {item.next_review_due:%d %b %Y}.")
    return redirect(item)


@login_required
@require_POST
def item_transition(request, kind, slug):
    """Move an item to another stage."""
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


@login_required
@permission_required("registers.add_cloudcost", raise_exception=True)
def cost_import(request):
    """Upload monthly costs: all rows or none."""
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = csvio.import_costs(actor=request.user, text=form.cleaned_data["text"])
        if result.ok:
            messages.success(request, f"Imported {len(result.created)} monthly costs.")
            return redirect("registers:cloud_list")
    return render(
        request,
        "registers/import.html",
        {
            **AREA,
            "form": form,
            "result": result,
            "label": "Monthly cloud costs",
            "columns": csvio.COST_COLUMNS,
            "back": "registers:cloud_list",
        },
    )


@login_required
def cost_export(request):
    """Monthly costs of the visible accounts as CSV."""
    costs = CloudCost.objects.filter(
        account__in=CloudAccount.objects.restrict(request.user, "view").values("pk")
    ).order_by("account__slug", "month")
    response = HttpResponse(csvio.export_costs(costs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cloud-costs.csv"'
    return response


@login_required
def reviews(request):
    """The governance dashboard of due and overdue reviews."""
    return render(
        request, "registers/reviews.html", {**AREA, "reviews": selectors.review_dashboard(user=request.user)}
    )
