"""Models of the delivery app: demand intake and its scoring model, initiatives delivered waterfall (phases,
stage gates, milestones) or agile (epics, stories, sprints, kanban), risks and dependencies between
initiatives, budgets and actuals by mode, people's capacity and allocations by team and mode."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bimodal.core.models import OrgUnit, Team, TimeStampedModel, User
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.delivery.choices import (
    LIMITABLE,
    Approach,
    DemandStatus,
    GateStatus,
    InitiativeStatus,
    InvestmentClass,
    PhaseKind,
    PhaseStatus,
    Rag,
    RiskStatus,
    SprintStatus,
    StoryStatus,
)
from bimodal.portfolio.models import Mode, Service

ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


def _money(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, validators=NON_NEGATIVE, **kwargs)


def _fte(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=7, decimal_places=2, validators=NON_NEGATIVE, **kwargs)


# --- demand ---------------------------------------------------------------------------------------


class ScoringModel(models.Model):
    """One version of the demand scoring weights; the highest version is current, older ones are kept."""

    version = models.PositiveIntegerField(unique=True)
    weight_value = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("30"), validators=NON_NEGATIVE
    )
    weight_urgency = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("20"), validators=NON_NEGATIVE
    )
    weight_fit = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("25"), validators=NON_NEGATIVE
    )
    weight_risk = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("10"), validators=NON_NEGATIVE
    )
    weight_cost = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("15"), validators=NON_NEGATIVE
    )
    cost_ceiling = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("2000000"),
        validators=[MinValueValidator(Decimal("1"))],
        help_text="A cost estimate at or above this scores nothing on the cost factor.",
    )
    note = models.CharField(max_length=255, blank=True, help_text="Why the weights changed")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Scoring model v{self.version}"

    def clean(self) -> None:
        total = sum(
            (w or 0)
            for w in (
                self.weight_value,
                self.weight_urgency,
                self.weight_fit,
                self.weight_risk,
                self.weight_cost,
            )
        )
        if total <= 0:
            raise ValidationError({"weight_value": "At least one weight must be above zero."})

    @property
    def weights(self) -> dict[str, Decimal]:
        """Factor → weight."""
        return {
            "value": self.weight_value,
            "urgency": self.weight_urgency,
            "fit": self.weight_fit,
            "risk": self.weight_risk,
            "cost": self.weight_cost,
        }


class DemandQuerySet(RestrictedQuerySet):
    """Portfolio people see all demand; a requester sees and edits only their own."""

    def restriction(self, user, action: str) -> Q | None:
        if user.has_perm("delivery.manage_demand"):
            return None
        if action == "view" and user.has_perm("delivery.view_all_demand"):
            return None
        return Q(requester=user)

    def with_related(self) -> DemandQuerySet:
        return self.select_related("requester", "org_unit", "mode", "service", "team", "scoring_model")


class Demand(TimeStampedModel):
    """An idea or request from the business, scored and prioritised, decided by the portfolio board."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    requester = models.ForeignKey(User, on_delete=models.PROTECT, related_name="demands")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="demands")
    mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="demands")
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="demands"
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demands",
        help_text="Proposed team",
    )
    investment_class = models.CharField(
        max_length=12, choices=InvestmentClass.choices, default=InvestmentClass.GROW
    )
    value = models.PositiveSmallIntegerField(
        default=3, validators=ONE_TO_FIVE, help_text="Business value, 1–5"
    )
    urgency = models.PositiveSmallIntegerField(default=3, validators=ONE_TO_FIVE, help_text="1–5")
    risk = models.PositiveSmallIntegerField(default=3, validators=ONE_TO_FIVE, help_text="Delivery risk, 1–5")
    strategic_fit = models.PositiveSmallIntegerField(default=3, validators=ONE_TO_FIVE, help_text="1–5")
    cost_estimate = _money(default=Decimal("0"))
    fte_estimate = _fte(default=Decimal("0"), help_text="People it needs while delivered")
    approach = models.CharField(
        max_length=12, choices=Approach.choices, blank=True, help_text="Blank: chosen by the mode"
    )
    desired_start = models.DateField(null=True, blank=True)
    desired_end = models.DateField(null=True, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    scoring_model = models.ForeignKey(
        ScoringModel, on_delete=models.PROTECT, null=True, blank=True, related_name="demands"
    )
    scored_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=DemandStatus.choices, default=DemandStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    objects = RestrictedManager.from_queryset(DemandQuerySet)()

    # What its requester describes (forms, the API and the services share this list, in display order).
    EDITABLE = (
        "title",
        "description",
        "org_unit",
        "mode",
        "service",
        "team",
        "investment_class",
        "value",
        "urgency",
        "risk",
        "strategic_fit",
        "cost_estimate",
        "fte_estimate",
        "approach",
        "desired_start",
        "desired_end",
    )

    class Meta:
        ordering = ["-score", "reference"]
        permissions = [
            ("manage_demand", "Can see, score and edit any demand"),
            ("view_all_demand", "Can see every demand, not only their own"),
        ]
        indexes = [models.Index(fields=["status", "score"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("delivery:demand_detail", args=[self.reference])

    def clean(self) -> None:
        if self.desired_start and self.desired_end and self.desired_end < self.desired_start:
            raise ValidationError({"desired_end": "The end cannot be before the start."})


# --- initiatives ----------------------------------------------------------------------------------


class InitiativeQuerySet(RestrictedQuerySet):
    """Everyone with the view permission sees the portfolio; an initiative is worked by its owner, its
    team (members and lead), the owners of its services, or portfolio managers (`manage_all_initiatives`)."""

    def restriction(self, user, action: str) -> Q | None:
        if action == "view" or user.has_perm("delivery.manage_all_initiatives"):
            return None
        return Q(owner=user) | Q(team__members=user) | Q(team__lead=user) | Q(services__service_owner=user)


class Initiative(TimeStampedModel):
    """A funded piece of delivery work in one mode, run waterfall or agile."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    approach = models.CharField(max_length=12, choices=Approach.choices)
    mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="initiatives")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="initiatives")
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="owned_initiatives")
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="initiatives"
    )
    services = models.ManyToManyField(Service, blank=True, related_name="initiatives")
    demand = models.OneToOneField(
        Demand, on_delete=models.PROTECT, null=True, blank=True, related_name="initiative"
    )
    investment_class = models.CharField(
        max_length=12, choices=InvestmentClass.choices, default=InvestmentClass.GROW
    )
    status = models.CharField(
        max_length=12, choices=InitiativeStatus.choices, default=InitiativeStatus.ACTIVE
    )
    rag_override = models.CharField(
        max_length=6, choices=Rag.choices, blank=True, help_text="Set to overrule the computed RAG"
    )
    rag_note = models.CharField(max_length=255, blank=True)
    baseline_start = models.DateField(null=True, blank=True)
    baseline_end = models.DateField(null=True, blank=True)
    forecast_end = models.DateField(null=True, blank=True)
    sprint_length_days = models.PositiveSmallIntegerField(
        default=14, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    wip_limits = models.JSONField(
        default=dict, blank=True, help_text='Kanban WIP limits per column, e.g. {"in_progress": 3}'
    )

    # What starting an initiative asks for (the form and the API share this list, in display order).
    START_FIELDS = (
        "name",
        "description",
        "approach",
        "mode",
        "org_unit",
        "owner",
        "team",
        "services",
        "investment_class",
        "baseline_start",
        "baseline_end",
    )

    objects = RestrictedManager.from_queryset(InitiativeQuerySet)()

    class Meta:
        ordering = ["reference"]
        permissions = [("manage_all_initiatives", "Can work any initiative, not only their own or team's")]
        indexes = [models.Index(fields=["mode", "approach", "status"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("delivery:initiative_detail", args=[self.reference])

    def clean(self) -> None:
        if self.baseline_start and self.baseline_end and self.baseline_end < self.baseline_start:
            raise ValidationError({"baseline_end": "The baseline end cannot be before its start."})
        limits = self.wip_limits or {}
        if not isinstance(limits, dict):
            raise ValidationError({"wip_limits": "WIP limits are a map of column to a number."})
        for column, limit in limits.items():
            if column not in LIMITABLE:
                raise ValidationError({"wip_limits": f"“{column}” is not a column that takes a WIP limit."})
            if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
                raise ValidationError({"wip_limits": f"The limit of “{column}” must be a whole number ≥ 1."})


class InitiativeChildQuerySet(RestrictedQuerySet):
    """Rows of an initiative (phases, stories …) follow the initiative's rule."""

    initiative_path = "initiative"

    def restriction(self, user, action: str) -> Q | None:
        if action == "view" or user.has_perm("delivery.manage_all_initiatives"):
            return None
        p = self.initiative_path
        return (
            Q(**{f"{p}__owner": user})
            | Q(**{f"{p}__team__members": user})
            | Q(**{f"{p}__team__lead": user})
            | Q(**{f"{p}__services__service_owner": user})
        )


class GateChildQuerySet(InitiativeChildQuerySet):
    initiative_path = "phase__initiative"


class CriterionQuerySet(InitiativeChildQuerySet):
    initiative_path = "gate__phase__initiative"


class TransitionQuerySet(InitiativeChildQuerySet):
    initiative_path = "story__initiative"


class Phase(models.Model):
    """One waterfall phase of an initiative with its baseline and forecast dates."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(max_length=20, choices=PhaseKind.choices)
    order = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=PhaseStatus.choices, default=PhaseStatus.NOT_STARTED)
    baseline_start = models.DateField(null=True, blank=True)
    baseline_end = models.DateField(null=True, blank=True)
    forecast_start = models.DateField(null=True, blank=True)
    forecast_end = models.DateField(null=True, blank=True)
    actual_end = models.DateField(null=True, blank=True)

    objects = RestrictedManager.from_queryset(InitiativeChildQuerySet)()

    class Meta:
        ordering = ["initiative", "order"]
        constraints = [models.UniqueConstraint(fields=["initiative", "kind"], name="one_phase_of_each_kind")]

    def __str__(self) -> str:
        return f"{self.initiative.reference} {self.get_kind_display()}"

    def clean(self) -> None:
        if self.forecast_start and self.forecast_end and self.forecast_end < self.forecast_start:
            raise ValidationError({"forecast_end": "The forecast end cannot be before its start."})
        if self.baseline_start and self.baseline_end and self.baseline_end < self.baseline_start:
            raise ValidationError({"baseline_end": "The baseline end cannot be before its start."})


class StageGate(models.Model):
    """The gate at the end of a phase: it passes when its named criteria are met and it is approved."""

    phase = models.OneToOneField(Phase, on_delete=models.CASCADE, related_name="gate")
    name = models.CharField(max_length=120)
    status = models.CharField(max_length=20, choices=GateStatus.choices, default=GateStatus.OPEN)
    requested_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decision_note = models.TextField(blank=True)

    objects = RestrictedManager.from_queryset(GateChildQuerySet)()

    class Meta:
        ordering = ["phase__initiative", "phase__order"]
        verbose_name = "stage gate"

    def __str__(self) -> str:
        return self.name

    @property
    def initiative(self) -> Initiative:
        return self.phase.initiative


class GateCriterion(models.Model):
    """A named criterion a stage gate needs met (e.g. “Business case signed off”), with its evidence."""

    gate = models.ForeignKey(StageGate, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=160)
    description = models.CharField(max_length=255, blank=True)
    met = models.BooleanField(default=False)
    evidence = models.CharField(max_length=500, blank=True)
    met_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    met_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager.from_queryset(CriterionQuerySet)()

    class Meta:
        ordering = ["gate", "pk"]
        verbose_name_plural = "gate criteria"
        constraints = [models.UniqueConstraint(fields=["gate", "name"], name="unique_criterion_per_gate")]

    def __str__(self) -> str:
        return self.name


class Milestone(models.Model):
    """A dated milestone with its baseline, forecast and actual dates."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="milestones")
    phase = models.ForeignKey(
        Phase, on_delete=models.SET_NULL, null=True, blank=True, related_name="milestones"
    )
    name = models.CharField(max_length=160)
    baseline_date = models.DateField()
    forecast_date = models.DateField()
    actual_date = models.DateField(null=True, blank=True)

    objects = RestrictedManager.from_queryset(InitiativeChildQuerySet)()

    class Meta:
        ordering = ["initiative", "baseline_date", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def slip_days(self) -> int:
        """Days the forecast (or actual) lies after the baseline."""
        return ((self.actual_date or self.forecast_date) - self.baseline_date).days


class Epic(models.Model):
    """A large piece of agile work, broken into stories."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="epics")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    rank = models.PositiveIntegerField(default=0)

    objects = RestrictedManager.from_queryset(InitiativeChildQuerySet)()

    class Meta:
        ordering = ["initiative", "rank", "pk"]

    def __str__(self) -> str:
        return self.title


class Sprint(models.Model):
    """A time-box of an agile initiative: committed points at start, done points at close."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="sprints")
    name = models.CharField(max_length=80)
    goal = models.CharField(max_length=255, blank=True)
    start = models.DateField()
    end = models.DateField()
    status = models.CharField(max_length=10, choices=SprintStatus.choices, default=SprintStatus.PLANNED)
    committed_points = models.PositiveIntegerField(default=0)
    completed_points = models.PositiveIntegerField(default=0)

    objects = RestrictedManager.from_queryset(InitiativeChildQuerySet)()

    class Meta:
        ordering = ["initiative", "start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative"], condition=Q(status="active"), name="one_active_sprint_per_initiative"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": "A sprint cannot end before it starts."})


class Story(models.Model):
    """A backlog item with an estimate in points, on the kanban board and perhaps in a sprint."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="stories")
    epic = models.ForeignKey(Epic, on_delete=models.SET_NULL, null=True, blank=True, related_name="stories")
    sprint = models.ForeignKey(
        Sprint, on_delete=models.SET_NULL, null=True, blank=True, related_name="stories"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    points = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(100)])
    status = models.CharField(max_length=12, choices=StoryStatus.choices, default=StoryStatus.BACKLOG)
    rank = models.PositiveIntegerField(default=0)
    assignee = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="stories"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager.from_queryset(InitiativeChildQuerySet)()

    class Meta:
        ordering = ["initiative", "rank", "pk"]
        verbose_name_plural = "stories"
        indexes = [models.Index(fields=["initiative", "status"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.epic_id and self.epic.initiative_id != self.initiative_id:
            raise ValidationError({"epic": "The epic belongs to another initiative."})
        if self.sprint_id and self.sprint.initiative_id != self.initiative_id:
            raise ValidationError({"sprint": "The sprint belongs to another initiative."})


class StoryTransition(models.Model):
    """A story's move between board columns: the record cycle time is computed from."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=StoryStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=StoryStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = RestrictedManager.from_queryset(TransitionQuerySet)()

    class Meta:
        ordering = ["story", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.story_id}: {self.from_status} → {self.to_status}"


class InitiativeRisk(models.Model):
    """A risk to an initiative, probability × impact."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="risks")
    title = models.CharField(max_length=200)
    probability = models.PositiveSmallIntegerField(default=3, validators=ONE_TO_FIVE)
    impact = models.PositiveSmallIntegerField(default=3, validators=ONE_TO_FIVE)
    status = models.CharField(max_length=10, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    mitigation = models.TextField(blank=True)

    objects = RestrictedManager.from_queryset(InitiativeChildQuerySet)()

    class Meta:
        ordering = ["initiative", "-probability", "-impact", "pk"]
        verbose_name = "risk"

    def __str__(self) -> str:
        return self.title

    @property
    def exposure(self) -> int:
        """Probability × impact (1–25); 15 and above is high."""
        return self.probability * self.impact


class InitiativeDependency(models.Model):
    """`initiative` needs something from `depends_on`, by a date."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="dependencies")
    depends_on = models.ForeignKey(Initiative, on_delete=models.PROTECT, related_name="dependents")
    description = models.CharField(max_length=255, blank=True)
    needed_by = models.DateField(null=True, blank=True)

    objects = RestrictedManager.from_queryset(InitiativeChildQuerySet)()

    class Meta:
        ordering = ["initiative", "needed_by", "pk"]
        verbose_name = "dependency"
        verbose_name_plural = "dependencies"
        constraints = [
            models.UniqueConstraint(fields=["initiative", "depends_on"], name="one_dependency_per_pair"),
            models.CheckConstraint(
                condition=~Q(initiative=models.F("depends_on")), name="no_self_dependency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id} → {self.depends_on_id}"


# --- money and people -----------------------------------------------------------------------------


class Budget(models.Model):
    """Money for a year: a mode's envelope for one investment class (no initiative), or an initiative's
    budget (its mode and class)."""

    fiscal_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="budgets")
    investment_class = models.CharField(max_length=12, choices=InvestmentClass.choices)
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, null=True, blank=True, related_name="budgets"
    )
    amount = _money()
    note = models.CharField(max_length=255, blank=True)

    objects = RestrictedManager()

    class Meta:
        # Not through the nullable initiative: PostgreSQL refuses row locks on the outer side of a join.
        ordering = ["fiscal_year", "mode__order", "investment_class", "initiative_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "mode", "investment_class"],
                condition=Q(initiative__isnull=True),
                name="one_envelope_per_year_mode_class",
            ),
            models.UniqueConstraint(
                fields=["fiscal_year", "initiative"],
                condition=Q(initiative__isnull=False),
                name="one_budget_per_year_initiative",
            ),
        ]

    def __str__(self) -> str:
        what = (
            self.initiative.reference
            if self.initiative_id
            else f"{self.mode.short_name} {self.investment_class}"
        )
        return f"FY{self.fiscal_year} {what}: {self.amount}"


class Actual(models.Model):
    """Money spent in a month, by mode and investment class, and by initiative where it is one's."""

    period = models.DateField(help_text="The month (its first day)")
    fiscal_year = models.PositiveSmallIntegerField(editable=False)
    mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="actuals")
    investment_class = models.CharField(max_length=12, choices=InvestmentClass.choices)
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, null=True, blank=True, related_name="actuals"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    description = models.CharField(max_length=255, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = RestrictedManager()

    class Meta:
        ordering = ["-period", "pk"]
        indexes = [models.Index(fields=["fiscal_year", "mode", "investment_class"])]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.amount}"


class TeamCapacity(models.Model):
    """How many FTE a team has to give to one mode in a year (the supply)."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="capacities")
    fiscal_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="capacities")
    fte = _fte()

    objects = RestrictedManager()

    class Meta:
        ordering = ["fiscal_year", "team__name", "mode__order"]
        verbose_name_plural = "team capacities"
        constraints = [
            models.UniqueConstraint(
                fields=["team", "fiscal_year", "mode"], name="one_capacity_per_team_year_mode"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team} FY{self.fiscal_year} {self.mode.short_name}: {self.fte} FTE"


class CapacityAllocation(models.Model):
    """FTE of a team asked for by an initiative (or by running a mode's services): the demand for people."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="allocations")
    fiscal_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="allocations")
    investment_class = models.CharField(max_length=12, choices=InvestmentClass.choices)
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    fte = _fte()
    note = models.CharField(max_length=255, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["fiscal_year", "team__name", "mode__order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "fiscal_year", "initiative"],
                condition=Q(initiative__isnull=False),
                name="one_allocation_per_team_year_initiative",
            ),
            models.UniqueConstraint(
                fields=["team", "fiscal_year", "mode", "investment_class"],
                condition=Q(initiative__isnull=True),
                name="one_run_allocation_per_team_year_mode_class",
            ),
        ]

    def __str__(self) -> str:
        what = (
            self.initiative.reference
            if self.initiative_id
            else f"{self.mode.short_name} {self.investment_class}"
        )
        return f"{self.team} FY{self.fiscal_year} {what}: {self.fte} FTE"
