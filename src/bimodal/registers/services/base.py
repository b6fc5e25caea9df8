"""Shared by the registers' services: review dates, stage checks and the fields each register's items take."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils import timezone

from bimodal.registers.choices import (
    STAGE_TRANSITIONS,
    RegisterKind,
)
from bimodal.registers.models import AIUseCase, CloudAccount, LowCodeApp, RegisterItem

FIRST_REVIEW_WITHIN_DAYS = 30  # a new item gets its first review within a month, then by cadence
REVIEW_LEAD_DAYS = 14  # review tasks are created this many days before the due date
KIND_OF = {LowCodeApp: RegisterKind.LOW_CODE, AIUseCase: RegisterKind.AI, CloudAccount: RegisterKind.CLOUD}
MODEL_OF = {kind: model for model, kind in KIND_OF.items()}

# The fields a person sets on each register's items, in the order the pages show them: the forms, the API's
# write serializers and these services' keyword arguments list the same names
# (registers/tests/test_services.py checks that they do not drift).
LOWCODE_FIELDS: Final = (
    "slug",
    "name",
    "platform",
    "owner",
    "owner_team",
    "business_unit",
    "purpose",
    "user_count",
    "data_classification",
    "integrations",
    "support_wrapper",
    "support_team",
    "stage",
    "description",
)
AIUSECASE_FIELDS: Final = (
    "slug",
    "name",
    "owner",
    "owner_team",
    "purpose",
    "model_vendor",
    "runs_on",
    "personal_data",
    "special_categories",
    "data_categories",
    "affected_people",
    "affected_count",
    "risk_answers",
    "dpia_status",
    "human_oversight",
    "monitoring",
    "services",
    "stage",
    "description",
)
CLOUDACCOUNT_FIELDS: Final = (
    "slug",
    "name",
    "provider",
    "account_ref",
    "owner",
    "owner_team",
    "services",
    "monthly_budget",
    "total_resources",
    "tagged_resources",
    "idle_resources",
    "orphaned_resources",
    "stage",
    "description",
)


def _next_due(item: RegisterItem, today: dt.date | None = None) -> dt.date:
    """Last review + cadence; an item never reviewed is due a month after it was registered."""
    if item.last_reviewed_on:
        return item.last_reviewed_on + dt.timedelta(days=item.review_cadence_days)
    start = (item.created_at.date() if item.created_at else None) or today or timezone.localdate()
    return start + dt.timedelta(days=min(FIRST_REVIEW_WITHIN_DAYS, item.review_cadence_days))


def _draft(item: RegisterItem, fields: dict[str, Any]) -> Any:
    """A copy of `item` with `fields` applied, to derive risk and dates from. The item itself stays as saved
    until `update_audited` applies the fields, so that the audit entry records the real "before"."""
    draft = copy.copy(item)
    for key, value in fields.items():
        setattr(draft, key, value)
    return draft


def _check_stage(item: RegisterItem, new: str) -> None:
    if new != item.stage and new not in STAGE_TRANSITIONS.get(item.stage, set()):
        raise ValidationError({"stage": f"A {item._meta.verbose_name} cannot go from {item.stage} to {new}."})
