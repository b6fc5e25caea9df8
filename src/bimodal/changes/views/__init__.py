"""Pages of the changes app, one module per seam: change records, their steps, the CAB agenda, the
calendar, windows and freezes (`records`) and the standard-change catalogue (`templates`)."""

from bimodal.changes.views.records import (
    cab_agenda,
    change_calendar,
    change_create,
    change_detail,
    change_edit,
    change_list,
    change_reschedule,
    change_step,
    window_create,
    window_edit,
    window_end,
    window_list,
)
from bimodal.changes.views.templates import (
    template_action,
    template_detail,
    template_list,
    template_propose,
    template_raise,
    template_revise,
)

__all__ = [
    "cab_agenda",
    "change_calendar",
    "change_create",
    "change_detail",
    "change_edit",
    "change_list",
    "change_reschedule",
    "change_step",
    "template_action",
    "template_detail",
    "template_list",
    "template_propose",
    "template_raise",
    "template_revise",
    "window_create",
    "window_edit",
    "window_end",
    "window_list",
]
