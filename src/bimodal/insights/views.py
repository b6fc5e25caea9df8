"""Pages of the insights app: the CIO, Mode 1 operations and Mode 2 delivery dashboards, value-stream
heat maps, drill-downs behind every figure, CSV export of every table, and the maturity assessment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from bimodal.core.forms import apply_validation_error
from bimodal.core.permissions import get_restricted_object
from bimodal.insights import charts, selectors, services
from bimodal.insights.choices import Definitions, Level, ValueStream
from bimodal.insights.forms import AssessmentForm, MetricSettingsForm, ScopeForm
from bimodal.insights.metrics import sql, valuestream
from bimodal.insights.models import CapabilityArea, MaturityAssessment, MetricSettings

AREA = {
    "active_area": "insights",
    "priorities": ["P1", "P2", "P3", "P4"],
    "ticket_types": ["incident", "request", "problem"],
}
VIEW = permission_required("insights.view_insights", raise_exception=True)


#: A breakdown table shows its worst rows first, this many on the dashboard (20,000 services would make a
#: page of megabytes); "all" pages through every row in the same order, `ALL_PER_PAGE` at a time.
TOP = 25
ALL_PER_PAGE = 100

_NO_DATA = 2.0  # sorts a missing rate after every real one (rates are 0..1)


#: Worst first, per breakdown table: the sort key of one row (lowest change success or SLA attainment or
#: CSAT, longest MTTR, most open tickets, lowest availability, highest change failure rate).
WORST = {
    "change": lambda r: (
        r["success"]["rate"] if r.get("success") else _NO_DATA,
        -(r["emergency"]["ratio"] if r.get("emergency") else 0),
        str(r["label"]),
    ),
    "sla": lambda r: (
        min((v["attainment"] for v in r.values() if isinstance(v, dict)), default=_NO_DATA),
        str(r["label"]),
    ),
    "csat": lambda r: (r["csat"] if r.get("csat") is not None else _NO_DATA, str(r["label"])),
    "mttr": lambda r: (
        -max((v["mean"] or 0 for v in r.values() if isinstance(v, dict)), default=0),
        str(r["label"]),
    ),
    "backlog": lambda r: (-sum(v["open"] for v in r.values() if isinstance(v, dict)), str(r["label"])),
    "availability": lambda r: (bool(r["met"]), r["availability"], r["name"]),
    "dora": lambda r: (
        -(r["change_failure_rate"].value if r["change_failure_rate"].value is not None else -1),
        r["deployment_frequency"].count or 0,
        str(r["label"]),
    ),
}


def _capped(request, name: str, rows) -> dict:
    """One breakdown table as the page shows it: every row when there are few; else the `TOP` worst, or
    with `?<name>_page=N` page N of all of them (worst first). `more` is the query of the paged list.
    `rows` is a list (sorted here) or `selectors.Ranked` (ordered, counted and paged in SQL: only the
    rows shown are built)."""
    ranked = isinstance(rows, selectors.Ranked)
    total = rows.count() if ranked else len(rows)
    out = {"name": name, "rows": rows, "total": total, "capped": False, "page": None, "top": TOP}
    if total <= TOP:
        if ranked:  # few rows: all of them, in the order of their names like an uncapped list
            out["rows"] = sorted(rows[:TOP], key=lambda r: str(r["label"]))
        return out
    param = f"{name}_page"
    params = request.GET.copy()
    for key in (param, "export", "format"):
        params.pop(key, None)
    out.update(capped=True, query=params.urlencode(), param=param)
    ordered = rows if ranked else sorted(rows, key=WORST[name])
    if param in request.GET:
        page = Paginator(ordered, ALL_PER_PAGE).get_page(request.GET.get(param))
        out.update(rows=list(page.object_list), page=page)
    else:
        out["rows"] = ordered[:TOP]
    return out


def _kpi_tables(request, kpis: dict, csat, change_rows: list) -> dict:
    """The breakdown tables of the Mode 1 KPIs, each capped (`_capped`)."""
    tables = {
        "change": _capped(request, "change", change_rows),
        "sla": _capped(request, "sla", kpis["sla_attainment"]),
        "mttr": _capped(request, "mttr", kpis["mttr"]),
        "backlog": _capped(request, "backlog", kpis["backlog"]),
        "availability": _capped(request, "availability", kpis["availability"]),
    }
    if csat is not None:
        tables["csat"] = _capped(request, "csat", csat)
    return tables


CSAT_COLUMNS = ["label", "responses", "average", "csat", "resolved", "answered", "response_rate"]


def _query(request) -> str:
    params = request.GET.copy()
    params.pop("export", None)
    params.pop("format", None)
    return params.urlencode()


def _csv(name: str, columns: list[str], rows: list[dict]) -> HttpResponse:
    response = HttpResponse(selectors.to_csv(columns, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate()}.csv"'
    return response


def _dora_flat(rows: list[dict]) -> tuple[list[str], list[dict]]:
    columns = ["group", "metric", "value", "level", "count"]
    flat = [
        {"group": r["label"], "metric": m, "value": r[m].value, "level": r[m].level, "count": r[m].count}
        for r in rows
        for m in ("deployment_frequency", "lead_time", "change_failure_rate", "recovery_time")
    ]
    return columns, flat


def _kpi_flat(kpis: dict) -> dict[str, tuple[list[str], list[dict]]]:
    """Every KPI table as (columns, rows) for CSV export."""
    out = {}
    for name in ("change_success", "emergency_ratio", "changes_in_freeze"):
        rows = kpis[name]
        columns = ["label", *[k for k in (rows[0] if rows else {}) if k not in ("key", "label")]]
        out[name] = (columns, rows)
    out["sla_attainment"] = (
        ["label", "target", "stopped", "met", "attainment"],
        [
            {"label": r["label"], "target": t, **v}
            for r in kpis["sla_attainment"]
            for t, v in r.items()
            if isinstance(v, dict)
        ],
    )
    out["mttr"] = (
        ["label", "priority", "resolved", "mean", "median", "p90"],
        [
            {"label": r["label"], "priority": p, **v}
            for r in kpis["mttr"]
            for p, v in r.items()
            if isinstance(v, dict)
        ],
    )
    out["backlog"] = (
        ["label", "ticket_type", "open", "median", "p90"],
        [
            {"label": r["label"], "ticket_type": t, **v}
            for r in kpis["backlog"]
            for t, v in r.items()
            if isinstance(v, dict)
        ],
    )
    out["availability"] = (
        [
            "name",
            "slug",
            "criticality",
            "downtime",
            "outages",
            "availability",
            "target",
            "target_source",
            "met",
        ],
        kpis["availability"],
    )
    return out


def _scope(request, default_group: str = ""):
    params = request.GET.copy()
    if "by" not in params and default_group:
        params["by"] = default_group
    if not params.get("days") and not (params.get("start") and params.get("end")):
        params["days"] = "90"  # the period the figures cover by default, shown as such in the picker
    try:
        scope = selectors.scope_from(params, user=request.user)
    except ValidationError as error:
        raise BadRequest("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from error
    return ScopeForm(params, user=request.user), scope


def _definitions(request, scope) -> dict:
    """Which definitions the figures follow, whether `?definitions=` overrides the organisation's
    setting for this view, and the queries to compare with the other set or go back."""
    setting = MetricSettings.current().definitions if request.GET.get("definitions") else scope.definitions
    other = Definitions.BIMODAL if scope.devlake else Definitions.DEVLAKE
    compare, reset = request.GET.copy(), request.GET.copy()
    for params in (compare, reset):
        params.pop("export", None)
        params.pop("definitions", None)
    compare["definitions"] = other
    return {
        "value": scope.definitions,
        "label": Definitions(scope.definitions).label,
        "setting_label": Definitions(setting).label,
        "overridden": scope.definitions != setting,
        "other_label": Definitions(other).label,
        "compare_query": compare.urlencode(),
        "reset_query": reset.urlencode(),
    }


@login_required
@VIEW
def cio(request):
    """Both modes side by side: portfolio, spend and people by mode, DORA and Mode 1 KPIs, trends."""
    form, scope = _scope(request, "mode")
    # Each mode is measured by its KPI set: DORA over the modes judged by flow, the stability KPIs over
    # those judged by stability ("both" appears in each).
    flow_modes, stability_modes = selectors.modes_judged_by("flow"), selectors.modes_judged_by("stability")
    dora_rows = selectors.dora_table(scope.of_modes(tuple(m.pk for m in flow_modes)))
    kpis = selectors.kpi_table(scope.of_modes(tuple(m.pk for m in stability_modes)))
    csat = selectors.csat_table(scope)
    weeks = selectors.weekly_trend(scope)
    modes = selectors.portfolio_by_mode(user=request.user)
    delivery = selectors.delivery_by_mode()
    export = request.GET.get("export")
    if export == "dora":
        return _csv("dora", *_dora_flat(dora_rows))
    if export == "csat":
        return _csv("csat", CSAT_COLUMNS, csat)
    if export == "trend":
        return _csv("trend", ["week", "deployments", "failed", "changes", "completed", "incidents"], weeks)
    if export == "portfolio":
        return _csv("portfolio", ["key", "name", "live"], modes)
    if export == "delivery" and delivery:
        return _csv("delivery", ["mode", "budget", "actual", "fte"], delivery)
    if export in _kpi_flat(kpis):
        return _csv(export, *_kpi_flat(kpis)[export])
    context = {
        "definitions": _definitions(request, scope),
        **AREA,
        "form": form,
        "scope": scope,
        "query": _query(request),
        "dora": dora_rows,
        "kpis": kpis,
        "csat": csat,
        "tables": _kpi_tables(request, kpis, csat, _change_rows(kpis)),
        "dora_rows": _capped(request, "dora", dora_rows),
        "flow_modes": flow_modes,
        "stability_modes": stability_modes,
        "weeks": weeks,
        "modes": modes,
        "delivery": delivery,
        "trend_chart": charts.trend(weeks),
        "portfolio_chart": charts.portfolio(modes) if modes else "",
    }
    return render(request, "insights/cio.html", context)


@login_required
@VIEW
def operations(request):
    """Mode 1 operations: change success, emergency changes, freezes, SLAs, MTTR, availability, backlog."""
    form, scope = _scope(request, "service")
    kpis = selectors.kpi_table(scope)
    csat = selectors.csat_table(scope)
    weeks = selectors.weekly_operations(scope)
    tables = _kpi_flat(kpis)
    export = request.GET.get("export")
    if export in tables:
        return _csv(export, *tables[export])
    if export == "csat":
        return _csv("csat", CSAT_COLUMNS, csat)
    if export == "weekly":
        return _csv("weekly", [*OPERATIONS_COLUMNS], weeks)
    return render(
        request,
        "insights/operations.html",
        {
            **AREA,
            "form": form,
            "scope": scope,
            "query": _query(request),
            "kpis": kpis,
            "csat": csat,
            "tables": _kpi_tables(request, kpis, csat, _change_rows(kpis)),
            "trend_chart": charts.operations(weeks),
        },
    )


OPERATIONS_COLUMNS = (
    "week",
    "finished",
    "completed",
    "success_rate",
    "raised",
    "emergency",
    "emergency_ratio",
    "stopped",
    "met",
    "sla_attainment",
    "resolved",
    "mttr_hours",
)


def _change_rows(kpis: dict) -> list[dict]:
    """One row per service (or team, mode) with its change success, emergency ratio and changes in freeze."""
    rows: dict = {}
    for name, figures in (
        ("success", kpis["change_success"]),
        ("emergency", kpis["emergency_ratio"]),
        ("freeze", kpis["changes_in_freeze"]),
    ):
        for figure in figures:
            rows.setdefault(figure["key"], {"key": figure["key"], "label": figure["label"]})[name] = figure
    return sorted(rows.values(), key=lambda row: str(row["label"]))


@login_required
@VIEW
def delivery(request):
    """Mode 2 delivery: DORA's four keys by service, team or mode, with levels and trends."""
    form, scope = _scope(request, "service")
    overall = selectors.dora_table(scope.with_group(""))
    quality = selectors.data_quality(scope, fresh=True)  # dora_table has just refreshed the facts
    if request.GET.get("export") == "dora":  # every row
        return _csv("dora", *_dora_flat(overall + selectors.dora_table(scope)))
    # One row per service: ordered and paged in SQL, only the rows shown computed in full.
    by_service = selectors.ranked_by_service(scope)
    rows = selectors.dora_ranked(scope, fresh=True) if by_service else selectors.dora_table(scope)
    weeks = selectors.weekly_trend(scope)
    if request.GET.get("export") == "trend":
        return _csv("trend", ["week", "deployments", "failed", "changes", "completed", "incidents"], weeks)
    return render(
        request,
        "insights/delivery.html",
        {
            **AREA,
            "form": form,
            "scope": scope,
            "query": _query(request),
            "dora_rows": _capped(request, "dora", rows),
            "overall": overall[0] if overall else None,
            "quality": quality,
            "definitions": _definitions(request, scope),
            "levels": Level,
            "trend_chart": charts.trend(weeks),
        },
    )


@login_required
@VIEW
def heatmap(request, stream: str = ValueStream.DETECT_TO_CORRECT):
    """A value stream's stages, steps and hand-offs as a heat map pointing at the bottleneck."""
    if stream not in ValueStream.values:
        raise Http404("No such value stream.")
    form, scope = _scope(request)
    heat = valuestream.heatmap(stream, scope)
    export = request.GET.get("export")
    stat = ["count", "p50_wall", "p90_wall", "p50_business", "p90_business", "total_wall"]
    tables = {
        "stages": (["stage", *stat], heat["stages"]),
        "steps": (["source", "target", *stat], heat["steps"]),
        "handoffs": (["source", "target", *stat], heat["handoffs"]),
        "links": (["link", *stat], heat["links"]),
    }
    if export in tables:
        return _csv(f"{stream}-{export}", *tables[export])
    business = request.GET.get("clock") == "business"
    return render(
        request,
        "insights/heatmap.html",
        {
            **AREA,
            "form": form,
            "query": _query(request),
            "heat": heat,
            "scope": scope,
            "stream": ValueStream(stream),
            "streams": ValueStream,
            "business": business,
            "heat_chart": charts.heatmap(heat["steps"], heat["stages"], business=business)
            if heat["steps"]
            else "",
            "stage_chart": charts.stage_bars(heat["stages"], heat["bottleneck"]) if heat["stages"] else "",
        },
    )


@login_required
@VIEW
def drilldown(request, metric: str):
    """The records behind one figure (optionally one breakdown group), as a table or CSV."""
    if metric not in selectors.DRILLDOWNS:
        raise Http404("No such figure.")
    _, scope = _scope(request)
    key = request.GET.get("key")
    if key not in (None, "") and not key.lstrip("-").isdigit():
        raise Http404("No such group.")
    as_csv = request.GET.get("format") == "csv"
    title, columns, rows = selectors.drilldown(metric, scope, key=key, limit=None if as_csv else 500)
    if as_csv:
        return _csv(metric, columns, rows)
    return render(
        request,
        "insights/drilldown.html",
        {
            **AREA,
            "title": title,
            "headings": [c.removesuffix("_id").replace("_", " ") for c in columns],
            "rows": selectors.record_cells(rows, columns, user=request.user),
            "metric": metric,
            "query": _query(request),
            "limit": 500,
        },
    )


@login_required
@permission_required("insights.manage_metric_settings", raise_exception=True)
def metric_settings(request):
    """The organisation's settings for the figures: which definitions of DORA's four keys apply."""
    current = MetricSettings.current()
    form = MetricSettingsForm(request.POST or None, initial={"definitions": current.definitions})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.metric_settings_update(actor=request.user, definitions=form.cleaned_data["definitions"])
            messages.success(request, "Settings saved.")
            return redirect("insights:settings")
        status = 400
    context = {**AREA, "form": form, "time_zone": sql.org_zone().key}
    return render(request, "insights/settings.html", context, status=status)


# --- maturity ------------------------------------------------------------------------------------------


@login_required
@permission_required("insights.view_maturityassessment", raise_exception=True)
def maturity(request):
    """Org units with their latest maturity assessment, average score and total gap."""
    overview = selectors.maturity_overview(user=request.user)
    if request.GET.get("export") == "csv":
        rows = [
            {
                "org_unit": o["unit"].name,
                "latest": o["latest"].assessed_on if o["latest"] else "",
                "assessments": o["count"],
                "average": o["average"],
                "gap": o["gap"],
            }
            for o in overview
        ]
        return _csv("maturity", ["org_unit", "latest", "assessments", "average", "gap"], rows)
    return render(request, "insights/maturity_list.html", {**AREA, "overview": overview})


@login_required
@permission_required("insights.view_maturityassessment", raise_exception=True)
def maturity_detail(request, pk: int):
    """One assessment: radar and bars against target (and the previous one), the gap list, history."""
    assessment = get_restricted_object(
        MaturityAssessment.objects.select_related("org_unit", "assessed_by"), request.user, pk=pk
    )
    scores = selectors.maturity_scores(assessment)
    history = selectors.unit_history(assessment, user=request.user)
    earlier = [a for a in history if a.assessed_on < assessment.assessed_on]
    previous = list(earlier[-1].scores.all()) if earlier else None
    if previous:
        by_area = {p.area_id: p for p in previous}
        previous = [by_area[s.area_id] for s in scores if s.area_id in by_area] or None
        if previous and len(previous) != len(scores):
            previous = None
    gaps = selectors.gap_list(assessment)
    if request.GET.get("export") == "gaps":
        rows = [
            {
                "area": g.area.name,
                "mode": g.area.get_mode_display(),
                "score": g.score,
                "target": g.target,
                "gap": g.gap,
                "evidence": g.evidence,
            }
            for g in gaps
        ]
        return _csv("maturity-gaps", ["area", "mode", "score", "target", "gap", "evidence"], rows)
    return render(
        request,
        "insights/maturity_detail.html",
        {
            **AREA,
            "assessment": assessment,
            "scores": scores,
            "gaps": gaps,
            "history": history,
            "radar": charts.maturity_radar(scores, previous) if scores else "",
            "bars": charts.maturity_bars(scores) if scores else "",
        },
    )


@login_required
@permission_required("insights.add_maturityassessment", raise_exception=True)
def maturity_create(request):
    """Record an assessment of an org unit: a score, target and evidence per capability area."""
    areas = CapabilityArea.objects.filter(active=True)
    form = AssessmentForm(
        request.POST or None, areas=areas, user=request.user, initial={"assessed_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.maturity_assessment_record(
                actor=request.user,
                org_unit=form.cleaned_data["org_unit"],
                assessed_on=form.cleaned_data["assessed_on"],
                notes=form.cleaned_data["notes"],
                scores=form.scores(),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except PermissionDenied:
            raise
        else:
            messages.success(request, f"Recorded the assessment of {assessment.org_unit}.")
            return redirect(assessment.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "insights/maturity_form.html", {**AREA, "form": form}, status=status)
