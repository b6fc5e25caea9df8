"""Pages of the registers, one module per area: the dashboard and reviews, low-code apps, AI use cases,
cloud accounts (with their monthly costs), and the steps every register shares (review, stage transition,
CSV export and import). Lists have filters (full page or htmx partial); detail pages carry their workflow
steps.

Reads start from the selectors (restricted querysets); writes go through `services` or `csvio`. `urls.py`
imports this package, not its modules."""

from __future__ import annotations

from bimodal.registers.views.ai import (
    ai_create,
    ai_decide,
    ai_detail,
    ai_edit,
    ai_list,
)
from bimodal.registers.views.base import (
    AREA,
    PER_PAGE,
)
from bimodal.registers.views.cloud import (
    cloud_create,
    cloud_detail,
    cloud_edit,
    cloud_list,
    cost_export,
    cost_import,
)
from bimodal.registers.views.dashboard import (
    dashboard,
    reviews,
)
from bimodal.registers.views.items import (
    KINDS,
    item_review,
    item_transition,
    register_export,
    register_import,
)
from bimodal.registers.views.lowcode import (
    lowcode_create,
    lowcode_detail,
    lowcode_edit,
    lowcode_list,
    lowcode_promote,
)

__all__ = [
    "AREA",
    "KINDS",
    "PER_PAGE",
    "ai_create",
    "ai_decide",
    "ai_detail",
    "ai_edit",
    "ai_list",
    "cloud_create",
    "cloud_detail",
    "cloud_edit",
    "cloud_list",
    "cost_export",
    "cost_import",
    "dashboard",
    "item_review",
    "item_transition",
    "lowcode_create",
    "lowcode_detail",
    "lowcode_edit",
    "lowcode_list",
    "lowcode_promote",
    "register_export",
    "register_import",
    "reviews",
]
