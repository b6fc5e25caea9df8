"""Cloud accounts and their monthly costs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from bimodal.core.models import Team, User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    given,
    put_audited,
    require_object,
    require_perm,
    transactional,
    unique_slug,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio.models import Service
from bimodal.registers import risk
from bimodal.registers.models import CloudAccount, CloudCost
from bimodal.registers.services.base import (
    _check_stage,
    _draft,
    _next_due,
)


@transactional
def cloudaccount_create(
    *,
    actor: User,
    name: str,
    provider: str,
    account_ref: str,
    services: Iterable[Service] = (),
    slug: str = "",
    owner: User | None = None,
    owner_team: Team | None = None,
    monthly_budget: Decimal = Decimal(0),
    total_resources: int = 0,
    tagged_resources: int = 0,
    idle_resources: int = 0,
    orphaned_resources: int = 0,
    stage: str = "",
    description: str = "",
) -> CloudAccount:
    """Register a cloud account or subscription (a blank stage takes the model field's default)."""
    require_perm(actor, "registers.add_cloudaccount")
    account = CloudAccount(
        name=name,
        slug=slug or unique_slug(CloudAccount, name),
        provider=provider,
        account_ref=account_ref,
        owner=owner,
        owner_team=owner_team,
        monthly_budget=monthly_budget,
        total_resources=total_resources,
        tagged_resources=tagged_resources,
        idle_resources=idle_resources,
        orphaned_resources=orphaned_resources,
        description=description,
        review_cadence_days=risk.CLOUD_REVIEW_DAYS,
        **given(stage=stage or UNSET),
    )
    account.next_review_due = _next_due(account)
    return create_audited(
        account, actor=actor, m2m={"services": services}, verb=AuditVerb.CLOUDACCOUNT_CREATE
    )


@transactional
def cloudaccount_update(
    *,
    actor: User,
    account: CloudAccount,
    services: Iterable[Service] | None = None,
    reason: str = "",
    slug: str | NotGiven = UNSET,
    name: str | NotGiven = UNSET,
    provider: str | NotGiven = UNSET,
    account_ref: str | NotGiven = UNSET,
    owner: User | NotGiven | None = UNSET,
    owner_team: Team | NotGiven | None = UNSET,
    monthly_budget: Decimal | NotGiven = UNSET,
    total_resources: int | NotGiven = UNSET,
    tagged_resources: int | NotGiven = UNSET,
    idle_resources: int | NotGiven = UNSET,
    orphaned_resources: int | NotGiven = UNSET,
    stage: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
) -> CloudAccount:
    """Change a cloud account (resource counts, budget, owner, services …)."""
    require_object(actor, "change", account)
    fields = given(
        slug=slug,
        name=name,
        provider=provider,
        account_ref=account_ref,
        owner=owner,
        owner_team=owner_team,
        monthly_budget=monthly_budget,
        total_resources=total_resources,
        tagged_resources=tagged_resources,
        idle_resources=idle_resources,
        orphaned_resources=orphaned_resources,
        stage=stage,
        description=description,
    )
    if "stage" in fields:
        _check_stage(account, fields["stage"])
    fields["next_review_due"] = _next_due(_draft(account, fields))
    m2m = {"services": services} if services is not None else None
    return update_audited(
        account, actor=actor, fields=fields, m2m=m2m, reason=reason, verb=AuditVerb.CLOUDACCOUNT_UPDATE
    )


def parse_month(raw: object) -> dt.date:
    """A month as its first day, from a date or "YYYY-MM" / "YYYY-MM-DD" text."""
    if isinstance(raw, dt.date):
        return raw.replace(day=1)
    try:
        parts = [int(p) for p in str(raw).strip().split("-")]
        return dt.date(parts[0], parts[1], 1)
    except (ValueError, IndexError) as exc:
        raise ValidationError({"month": f"“{raw}” is not a month (YYYY-MM)."}) from exc


@transactional
def cloudcost_record(*, actor: User, account: CloudAccount, month: object, amount: object) -> CloudCost:
    """Record (or correct) the cost of an account in a month."""
    require_object(actor, "change", account)
    month = parse_month(month)
    try:
        amount = Decimal(str(amount))
    except InvalidOperation as exc:
        raise ValidationError({"amount": f"“{amount}” is not a number."}) from exc
    return put_audited(
        CloudCost,
        actor=actor,
        lookup={"account": account, "month": month},
        fields={"amount": amount},
        verb=AuditVerb.CLOUDCOST_RECORD,
        update_verb=AuditVerb.CLOUDCOST_UPDATE,
    )
