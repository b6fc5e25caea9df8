"""Pages of the governance app, one module per area: policies (list, detail with history, editor, try-out),
forums and their meetings (agenda, attendance, decisions, minutes), decision rights (RACI grids), decision
requests and the "minimum viable bureaucracy" report.

Reads start from restricted querysets; each workflow step calls one service function. A refused step is
a 403 (PermissionDenied) or a message with nothing written (ValidationError)."""

from __future__ import annotations

from bimodal.governance.views.base import (
    PER_PAGE,
)
from bimodal.governance.views.decisions import (
    CSV_HEADER,
    bureaucracy_report,
    request_create,
    request_decide,
    request_detail,
    request_list,
    request_withdraw,
    rights_grid,
)
from bimodal.governance.views.forums import (
    agenda_item_record,
    agenda_topic_add,
    forum_create,
    forum_detail,
    forum_edit,
    forum_list,
    meeting_attendance,
    meeting_build_agenda,
    meeting_cancel,
    meeting_create,
    meeting_detail,
    meeting_minutes,
)
from bimodal.governance.views.policies import (
    policy_create,
    policy_detail,
    policy_edit,
    policy_list,
    policy_try,
)

__all__ = [
    "CSV_HEADER",
    "PER_PAGE",
    "agenda_item_record",
    "agenda_topic_add",
    "bureaucracy_report",
    "forum_create",
    "forum_detail",
    "forum_edit",
    "forum_list",
    "meeting_attendance",
    "meeting_build_agenda",
    "meeting_cancel",
    "meeting_create",
    "meeting_detail",
    "meeting_minutes",
    "policy_create",
    "policy_detail",
    "policy_edit",
    "policy_list",
    "policy_try",
    "request_create",
    "request_decide",
    "request_detail",
    "request_list",
    "request_withdraw",
    "rights_grid",
]
