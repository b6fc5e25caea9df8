"""Models of the registers app: low-code apps, AI use cases, cloud accounts, their costs and reviews."""

from __future__ import annotations

from typing import Self

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bimodal.core.models import OrgUnit, Team, TimeStampedModel, User
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.portfolio.choices import DataClassification
from bimodal.registers.choices import (
    ACTIVE_STAGES,
    APPROVED_DECISIONS,
    AiRiskTier,
    AiRunsOn,
    CloudProvider,
    DpiaStatus,
    EthicsDecision,
    Platform,
    RegisterKind,
    RegisterStage,
    ReviewState,
    RiskLevel,
    SupportWrapper,
)

MANAGE = "registers.manage_registers"


class RegisterQuerySet(RestrictedQuerySet):
    """Anyone with the view permission sees the whole register (transparency is the point); items are
    changed by their owner, their owner team, or whoever manages the registers."""

    def restriction(self, user, action: str) -> Q | None:
        if action == "view" or user.has_perm(MANAGE):
            return None
        return Q(owner=user) | Q(owner_team__members=user) | Q(owner_team__lead=user)


class RegisterItem(TimeStampedModel):
    """Abstract base of register items: owner, stage and review cadence."""

    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=150, unique=True)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    owner_team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    stage = models.CharField(max_length=20, choices=RegisterStage.choices, default=RegisterStage.PROPOSED)
    review_cadence_days = models.PositiveSmallIntegerField(default=365, validators=[MinValueValidator(7)])
    last_reviewed_on = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True, db_index=True)

    objects = RestrictedManager.from_queryset(RegisterQuerySet)()

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """The item's page: each register names its own route."""
        raise NotImplementedError

    @property
    def review_overdue(self) -> bool:
        return bool(self.next_review_due and self.next_review_due < timezone.localdate())


class LowCodeApp(RegisterItem):
    """An app built by the business on a low-code platform, with its risk score and required controls."""

    platform = models.CharField(max_length=20, choices=Platform.choices)
    business_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="low_code_apps")
    purpose = models.TextField()
    user_count = models.PositiveIntegerField(default=0)
    data_classification = models.CharField(
        max_length=20, choices=DataClassification.choices, default=DataClassification.INTERNAL
    )
    integrations = models.ManyToManyField(
        "portfolio.Service", blank=True, related_name="low_code_apps", help_text="Catalogue services it uses."
    )
    support_wrapper = models.CharField(
        max_length=20, choices=SupportWrapper.choices, default=SupportWrapper.BUSINESS
    )
    support_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="supported_low_code_apps"
    )
    risk_score = models.PositiveSmallIntegerField(default=0, editable=False)
    risk_level = models.CharField(
        max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW, editable=False
    )
    required_controls = models.JSONField(default=list, blank=True, editable=False)
    promoted_service = models.ForeignKey(
        "portfolio.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="promoted_from"
    )

    class Meta(RegisterItem.Meta):
        verbose_name = "low-code app"
        permissions = [
            ("manage_registers", "Can change any register item and run reviews of any item"),
            ("promote_lowcodeapp", "Can promote a low-code app into the service catalogue"),
            ("import_registers", "Can import register items from CSV"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("registers:lowcode_detail", args=[self.slug])


class AIUseCaseQuerySet(RegisterQuerySet):
    """AI use cases, with the "shadow AI" filter."""

    def shadow(self) -> Self:
        """In use (or piloted) without an approving ethics review, or in a prohibited tier."""
        running = Q(stage__in=ACTIVE_STAGES)
        return self.filter(
            running & (~Q(ethics_decision__in=APPROVED_DECISIONS) | Q(risk_tier=AiRiskTier.PROHIBITED))
        )


class AIUseCase(RegisterItem):
    """A use of AI: what for, which model, on what data, its risk tier and the governance around it."""

    purpose = models.TextField()
    model_vendor = models.CharField(
        max_length=150, help_text="Model or vendor, e.g. “GPT-4o via Azure OpenAI”."
    )
    runs_on = models.CharField(max_length=20, choices=AiRunsOn.choices, default=AiRunsOn.VENDOR_SAAS)
    personal_data = models.BooleanField(default=False)
    special_categories = models.BooleanField(
        default=False, help_text="Health, biometric, ethnicity, religion, union membership, sex life …"
    )
    data_categories = models.CharField(max_length=300, blank=True, help_text="Other data it uses, in words.")
    affected_people = models.CharField(max_length=200, blank=True, help_text="e.g. retail customers, staff")
    affected_count = models.PositiveIntegerField(default=0)
    risk_answers = models.JSONField(default=dict, blank=True)
    risk_tier = models.CharField(
        max_length=12, choices=AiRiskTier.choices, default=AiRiskTier.MINIMAL, editable=False
    )
    required_controls = models.JSONField(default=list, blank=True, editable=False)
    dpia_status = models.CharField(max_length=20, choices=DpiaStatus.choices, default=DpiaStatus.NOT_REQUIRED)
    human_oversight = models.TextField(blank=True, help_text="Who can intervene or override, and how.")
    ethics_decision = models.CharField(
        max_length=20, choices=EthicsDecision.choices, default=EthicsDecision.NOT_REVIEWED
    )
    ethics_conditions = models.TextField(blank=True)
    ethics_decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    ethics_decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    monitoring = models.TextField(blank=True, help_text="What is monitored (accuracy, drift, complaints).")
    services = models.ManyToManyField("portfolio.Service", blank=True, related_name="ai_use_cases")

    objects = RestrictedManager.from_queryset(AIUseCaseQuerySet)()

    class Meta(RegisterItem.Meta):
        verbose_name = "AI use case"
        permissions = [("decide_aiusecase", "Can record the ethics review decision of an AI use case")]

    def get_absolute_url(self) -> str:
        return reverse("registers:ai_detail", args=[self.slug])

    @property
    def is_shadow(self) -> bool:
        return self.stage in ACTIVE_STAGES and (
            self.ethics_decision not in APPROVED_DECISIONS or self.risk_tier == AiRiskTier.PROHIBITED
        )


class CloudAccount(RegisterItem):
    """A cloud account or subscription: who owns it, what runs in it, what it costs and how tidy it is."""

    provider = models.CharField(max_length=20, choices=CloudProvider.choices)
    account_ref = models.CharField(max_length=100, help_text="The provider's account or subscription id.")
    owner = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    services = models.ManyToManyField("portfolio.Service", blank=True, related_name="cloud_accounts")
    monthly_budget = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    total_resources = models.PositiveIntegerField(default=0)
    tagged_resources = models.PositiveIntegerField(default=0)
    idle_resources = models.PositiveIntegerField(default=0)
    orphaned_resources = models.PositiveIntegerField(default=0)

    class Meta(RegisterItem.Meta):
        verbose_name = "cloud account"
        constraints = [
            models.UniqueConstraint(fields=["provider", "account_ref"], name="unique_cloud_account_ref"),
            models.CheckConstraint(
                condition=Q(tagged_resources__lte=models.F("total_resources")), name="tagged_within_total"
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("registers:cloud_detail", args=[self.slug])


class CloudCostQuerySet(RestrictedQuerySet):
    """Costs are visible with their account."""


class CloudCost(models.Model):
    """The cost of one cloud account in one month."""

    account = models.ForeignKey(CloudAccount, on_delete=models.CASCADE, related_name="costs")
    month = models.DateField(help_text="First day of the month.")
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])

    objects = RestrictedManager.from_queryset(CloudCostQuerySet)()

    class Meta:
        ordering = ["account__name", "month"]
        constraints = [models.UniqueConstraint(fields=["account", "month"], name="unique_cost_month")]

    def __str__(self) -> str:
        return f"{self.account} {self.month:%Y-%m}: {self.amount}"


class ReviewTaskQuerySet(RestrictedQuerySet):
    """Owners see their own review tasks; governance (manage_registers) sees all."""

    def restriction(self, user, action: str) -> Q | None:
        if user.has_perm(MANAGE) or (action == "view" and user.has_perm("registers.view_all_reviews")):
            return None
        return Q(assignee=user)


class ReviewTask(models.Model):
    """A review of one register item that is due on a date; created once per item and due date."""

    register = models.CharField(max_length=10, choices=RegisterKind.choices)
    object_id = models.PositiveBigIntegerField()
    item_name = models.CharField(max_length=150)
    item_url = models.CharField(max_length=300, blank=True)
    assignee = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    due_on = models.DateField()
    review_state = models.CharField(max_length=10, choices=ReviewState.choices, default=ReviewState.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager.from_queryset(ReviewTaskQuerySet)()

    class Meta:
        ordering = ["due_on", "item_name"]
        permissions = [("view_all_reviews", "Can see every review task")]
        constraints = [
            models.UniqueConstraint(
                fields=["register", "object_id", "due_on"], name="one_review_task_per_due_date"
            )
        ]

    def __str__(self) -> str:
        return f"Review {self.item_name} (due {self.due_on})"

    @property
    def overdue(self) -> bool:
        return self.review_state == ReviewState.OPEN and self.due_on < timezone.localdate()
