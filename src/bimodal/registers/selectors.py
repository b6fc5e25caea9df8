"""Reads of the registers: restricted lists, shadow AI, cloud sprawl and cost by mode, the review dashboard.

Aggregates are set-based SQL (annotations, GROUP BY), never Python loops over rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypedDict

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from bimodal.core.models import Actor
from bimodal.core.querysets import RestrictedQuerySet
from bimodal.registers.choices import ACTIVE_STAGES, ReviewState
from bimodal.registers.models import (
    AIUseCase,
    AIUseCaseQuerySet,
    CloudAccount,
    CloudCost,
    LowCodeApp,
    ReviewTask,
    ReviewTaskQuerySet,
)
from bimodal.registers.risk import IDLE_SHARE_LIMIT, TAGGING_TARGET

MONEY = DecimalField(max_digits=14, decimal_places=2)


class ModeCost(TypedDict):
    """A mode's share of the cloud cost (or the unallocated rest)."""

    mode: str
    colour: str
    total: Decimal


class MonthCost(TypedDict):
    month: dt.date
    total: Decimal | None


class ReviewDashboard(TypedDict):
    """Open review tasks overdue and due soon, with counts overall and per register."""

    overdue: list[ReviewTask]
    due: list[ReviewTask]
    counts: dict[str, int]
    by_register: Sequence[Mapping[str, Any]]


def lowcode_list(*, user: Actor) -> RestrictedQuerySet[LowCodeApp]:
    """The low-code apps `user` may see, with what a list shows."""
    return (
        LowCodeApp.objects.restrict(user, "view")
        .select_related("owner", "owner_team", "business_unit", "support_team", "promoted_service")
        .annotate(integration_count=Count("integrations", distinct=True))
        .order_by("name")
    )


def ai_list(*, user: Actor) -> AIUseCaseQuerySet[AIUseCase]:
    """The AI use cases `user` may see."""
    return AIUseCase.objects.restrict(user, "view").select_related("owner", "owner_team", "ethics_decided_by")


def last_month(today: dt.date | None = None) -> dt.date:
    """The first day of the previous calendar month (the last complete month of costs)."""
    today = today or timezone.localdate()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def cloud_list(*, user: Actor, month: dt.date | None = None) -> QuerySet[CloudAccount]:
    """The cloud accounts `user` may see, annotated with last month's cost, tagging %, services and flags."""
    month = month or last_month()
    cost = CloudCost.objects.filter(account=OuterRef("pk"), month=month).order_by().values("amount")[:1]
    services = (
        CloudAccount.services.through.objects.filter(cloudaccount_id=OuterRef("pk"))
        .values("cloudaccount_id")
        .annotate(n=Count("*"))
        # The django-stubs plugin does not see the annotation `n` on the through model.
        .values("n")  # type: ignore[misc]
    )
    return (
        CloudAccount.objects.restrict(user, "view")
        .select_related("owner", "owner_team")
        .annotate(
            last_month_cost=Coalesce(
                Subquery(cost, output_field=MONEY), Value(Decimal("0")), output_field=MONEY
            ),
            service_count=Coalesce(Subquery(services, output_field=IntegerField()), Value(0)),
            waste_x100=(F("idle_resources") + F("orphaned_resources")) * 100,
            tagging_pct=Case(
                When(total_resources=0, then=Value(100)),
                default=ExpressionWrapper(
                    100 * F("tagged_resources") / F("total_resources"), output_field=IntegerField()
                ),
                output_field=IntegerField(),
            ),
        )
        .annotate(
            over_budget=Case(
                When(Q(monthly_budget__gt=0) & Q(last_month_cost__gt=F("monthly_budget")), then=Value(True)),
                default=Value(False),
            ),
            waste_flag=Case(
                When(waste_x100__gt=F("total_resources") * IDLE_SHARE_LIMIT, then=Value(True)),
                default=Value(False),
            ),
        )
    )


def sprawl_summary(*, user: Actor, month: dt.date | None = None) -> dict[str, Any]:
    """Sprawl indicators over the visible active accounts: a few aggregate queries, no loops over rows."""
    month = month or last_month()
    accounts = CloudAccount.objects.restrict(user, "view").filter(stage__in=ACTIVE_STAGES)
    summary = accounts.aggregate(
        accounts=Count("pk"),
        no_owner=Count("pk", filter=Q(owner__isnull=True)),
        under_tagged=Count(
            "pk",
            filter=Q(
                total_resources__gt=0, tagged_resources__lt=F("total_resources") * TAGGING_TARGET / 100.0
            ),
        ),
        wasteful=Count(
            "pk",
            filter=Q(
                total_resources__gt=0,
                idle_resources__gt=F("total_resources") * IDLE_SHARE_LIMIT / 100.0 - F("orphaned_resources"),
            ),
        ),
        idle_resources=Coalesce(Sum("idle_resources"), 0),
        orphaned_resources=Coalesce(Sum("orphaned_resources"), 0),
        total_resources=Coalesce(Sum("total_resources"), 0),
        budget=Coalesce(Sum("monthly_budget"), Value(Decimal("0")), output_field=MONEY),
    )
    summary["no_service"] = accounts.filter(services__isnull=True).count()
    summary["over_budget"] = (
        accounts.filter(monthly_budget__gt=0, costs__month=month, costs__amount__gt=F("monthly_budget"))
        .distinct()
        .count()
    )
    summary["last_month_cost"] = CloudCost.objects.filter(
        account__in=accounts.values("pk"), month=month
    ).aggregate(total=Coalesce(Sum("amount"), Value(Decimal("0")), output_field=MONEY))["total"]
    return summary


def cost_by_mode(*, user: Actor, months: int = 12, today: dt.date | None = None) -> list[ModeCost]:
    """Cost over the last `months` complete months per mode: an account's cost is split equally over the
    modes of the services it hosts (so an account serving two Mode 1 services and one Mode 2 service puts
    two thirds in Mode 1). Accounts without services are "Unallocated". One GROUP BY query each."""
    end = last_month(today)
    start = end
    for _ in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    visible = CloudAccount.objects.restrict(user, "view").values("pk")
    through = CloudAccount.services.through
    share = (
        through.objects.filter(cloudaccount_id=OuterRef("account_id"))
        .values("cloudaccount_id")
        .annotate(n=Count("*"))
        # The django-stubs plugin does not see the annotation `n` on the through model.
        .values("n")  # type: ignore[misc]
    )
    costs = CloudCost.objects.filter(account__in=visible, month__gte=start, month__lte=end)
    allocated = (
        costs.filter(account__services__isnull=False)
        .annotate(n=Subquery(share, output_field=IntegerField()))
        .values(
            mode_name=F("account__services__mode__short_name"), colour=F("account__services__mode__colour")
        )
        .annotate(total=Sum(ExpressionWrapper(F("amount") / F("n"), output_field=MONEY)))
        .order_by("account__services__mode__order")
    )
    rows: list[ModeCost] = [
        {"mode": r["mode_name"], "colour": r["colour"], "total": round(r["total"], 2)} for r in allocated
    ]
    unallocated = costs.filter(account__services__isnull=True).aggregate(t=Sum("amount"))["t"]
    if unallocated:
        rows.append({"mode": "Unallocated", "colour": "#9aa5b8", "total": round(unallocated, 2)})
    return rows


def monthly_costs(*, user: Actor, months: int = 12, today: dt.date | None = None) -> list[MonthCost]:
    """Total cost per month of the visible accounts (GROUP BY month)."""
    end = last_month(today)
    start = end
    for _ in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return list(
        CloudCost.objects.filter(
            account__in=CloudAccount.objects.restrict(user, "view").values("pk"),
            month__gte=start,
            month__lte=end,
        )
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by("month")
    )


def shadow_ai(*, user: Actor) -> AIUseCaseQuerySet[AIUseCase]:
    """AI use cases in use without an approving ethics review (or in a prohibited tier)."""
    return ai_list(user=user).shadow()


def review_tasks(*, user: Actor) -> ReviewTaskQuerySet[ReviewTask]:
    """Review tasks `user` may see, open ones first."""
    return ReviewTask.objects.restrict(user, "view").select_related("assignee")


def review_dashboard(*, user: Actor, today: dt.date | None = None, lead_days: int = 14) -> ReviewDashboard:
    """Open review tasks split into overdue and due soon, plus the counts per register."""
    today = today or timezone.localdate()
    open_tasks = review_tasks(user=user).filter(review_state=ReviewState.OPEN)
    overdue = list(open_tasks.filter(due_on__lt=today))
    due = list(open_tasks.filter(due_on__gte=today, due_on__lte=today + dt.timedelta(days=lead_days)))
    counts = open_tasks.aggregate(
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        due=Count("pk", filter=Q(due_on__gte=today)),
    )
    by_register = list(
        open_tasks.values("register")
        # The django-stubs plugin takes `overdue` for the model's property; these are values() rows.
        .annotate(  # type: ignore[no-redef]
            overdue=Count("pk", filter=Q(due_on__lt=today)), due=Count("pk", filter=Q(due_on__gte=today))
        )
        .order_by("register")
    )
    return {"overdue": overdue, "due": due, "counts": counts, "by_register": by_register}
