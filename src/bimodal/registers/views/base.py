"""Shared pieces of the registers' pages: paging, the filtered list, the edit page, the next stages."""

from __future__ import annotations

from bimodal.core import generic
from bimodal.core.htmx import filtered_page
from bimodal.registers.choices import STAGE_TRANSITIONS, RegisterStage
from bimodal.registers.forms import (
    style_filter_form,
)

PER_PAGE = 25
AREA = {"active_area": "registers"}


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


class RegisterItemEdit(generic.ObjectEditView):
    """Register an item or change one through the register's services: the form gets the user (for its
    choices) and hands the services its `data_for_service()`."""

    area = AREA["active_area"]

    def form_kwargs(self, request, obj):
        return {"user": request.user}

    def service_fields(self, form):
        return form.data_for_service()


def _next_stages(item) -> list[tuple[str, str]]:
    """(value, label) of the stages an item may move to from its page (promotion has its own step)."""
    allowed = STAGE_TRANSITIONS[item.stage] - {RegisterStage.PROMOTED}
    return [(value, label) for value, label in RegisterStage.choices if value in allowed]
