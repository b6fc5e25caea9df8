"""Writes of the registers: low-code apps, AI use cases, cloud accounts and costs, reviews, promotion.

Every function checks permissions, validates (`full_clean`) and records an audit entry in the same
transaction through `bimodal.core.services`; risk fields are recomputed here, never in views or save()."""

from bimodal.registers.services.ai import (
    aiusecase_assess,
    aiusecase_create,
    aiusecase_decide,
    aiusecase_update,
    clean_answers,
)
from bimodal.registers.services.base import (
    AIUSECASE_FIELDS,
    CLOUDACCOUNT_FIELDS,
    FIRST_REVIEW_WITHIN_DAYS,
    KIND_OF,
    LOWCODE_FIELDS,
    MODEL_OF,
    REVIEW_LEAD_DAYS,
)
from bimodal.registers.services.cloud import (
    cloudaccount_create,
    cloudaccount_update,
    cloudcost_record,
    parse_month,
)
from bimodal.registers.services.items import (
    item_review,
    item_transition,
    reviews_schedule,
)
from bimodal.registers.services.lowcode import (
    lowcode_create,
    lowcode_promote,
    lowcode_update,
)

__all__ = [
    "AIUSECASE_FIELDS",
    "CLOUDACCOUNT_FIELDS",
    "FIRST_REVIEW_WITHIN_DAYS",
    "KIND_OF",
    "LOWCODE_FIELDS",
    "MODEL_OF",
    "REVIEW_LEAD_DAYS",
    "aiusecase_assess",
    "aiusecase_create",
    "aiusecase_decide",
    "aiusecase_update",
    "clean_answers",
    "cloudaccount_create",
    "cloudaccount_update",
    "cloudcost_record",
    "item_review",
    "item_transition",
    "lowcode_create",
    "lowcode_promote",
    "lowcode_update",
    "parse_month",
    "reviews_schedule",
]
