"""Portfolio models: modes, services, capabilities, regulatory scope and dependencies."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bimodal.core.models import Team, TimeStampedModel, User
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.portfolio.choices import (
    AssessmentSource,
    ChangeApproval,
    Criticality,
    DataClassification,
    DependencyKind,
    Dimension,
    Hosting,
    KpiSet,
    Lifecycle,
    PathwayStatus,
    ProposalSource,
    ProposalStatus,
    QuestionnaireStatus,
    ReleaseCadence,
    RiskAppetite,
    StepStatus,
    SupportCoverage,
    TimeRating,
)

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as #rrggbb.")
# Words the service pages use in their own URLs (/portfolio/services/new/, …/import/).
RESERVED_SERVICE_SLUGS = frozenset({"new", "import", "export"})


def not_reserved_slug(value: str) -> None:
    """Refuse a service slug that a page of the portfolio uses as its own path."""
    if value in RESERVED_SERVICE_SLUGS:
        raise ValidationError(f"“{value}” is reserved; choose another slug.")


class Mode(TimeStampedModel):
    """An operating mode (e.g. Mode 1 — Stability) with the governance profile its services follow."""

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    short_name = models.CharField(max_length=20, help_text="e.g. “Mode 1”")
    description = models.TextField(blank=True)
    colour = models.CharField(max_length=7, default="#1f4e79", validators=[hex_colour])
    order = models.PositiveSmallIntegerField(default=0)
    change_approval = models.CharField(
        max_length=20, choices=ChangeApproval.choices, default=ChangeApproval.CAB
    )
    release_cadence = models.CharField(
        max_length=20, choices=ReleaseCadence.choices, default=ReleaseCadence.MONTHLY
    )
    change_windows_required = models.BooleanField(default=True)
    standard_changes_preapproved = models.BooleanField(default=False)
    deployment_gate = models.BooleanField(
        default=False, help_text="Pipelines ask the deployment-gate API before deploying."
    )
    sla_profile = models.CharField(max_length=120, blank=True)
    kpi_set = models.CharField(max_length=20, choices=KpiSet.choices, default=KpiSet.STABILITY)
    risk_appetite = models.CharField(max_length=10, choices=RiskAppetite.choices, default=RiskAppetite.LOW)

    objects = RestrictedManager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return f"{self.short_name} — {self.name}" if self.short_name else self.name

    def get_absolute_url(self) -> str:
        return reverse("portfolio:mode_detail", args=[self.key])


class BusinessCapability(TimeStampedModel):
    """A business capability that services support (e.g. Payments, Lending)."""

    name = models.CharField(max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    description = models.TextField(blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "business capabilities"

    def __str__(self) -> str:
        return self.name


class RegulatoryTag(models.Model):
    """A regulation or standard a service is in scope of (PCI DSS, SOX, GDPR, EU DORA …)."""

    name = models.CharField(max_length=60, unique=True)
    description = models.TextField(blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceQuerySet(RestrictedQuerySet):
    """Object restriction for services.

    View: with `view_all_services` every service; a supplier agent sees the services of their supplier;
    anyone else (requesters) sees live services only. Change/delete: with `manage_all_services` every
    service, otherwise the services whose owner team the user belongs to or leads.
    """

    def restriction(self, user, action: str) -> Q | None:
        if action == "view":
            if user.has_perm("portfolio.view_all_services"):
                return None
            if user.supplier_id:
                from bimodal.portfolio import hooks  # hooks.py imports nothing of the portfolio's

                return hooks.supplier_services_q(user.supplier_id)
            return Q(lifecycle=Lifecycle.LIVE)
        if user.has_perm("portfolio.manage_all_services"):
            return None
        return Q(owner_team__members=user) | Q(owner_team__lead=user) | Q(service_owner=user)

    def with_related(self) -> ServiceQuerySet:
        """Everything a list or detail shows, in a fixed number of queries."""
        return self.select_related(
            "mode", "owner_team", "capability", "supplier", "service_owner"
        ).prefetch_related("regulatory_tags")


class Service(TimeStampedModel):
    """A business or technical service in the portfolio, run in one mode."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True, validators=[not_reserved_slug])
    description = models.TextField(blank=True)
    mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="services")
    owner_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="services")
    service_owner = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_services"
    )
    capability = models.ForeignKey(
        BusinessCapability, on_delete=models.PROTECT, null=True, blank=True, related_name="services"
    )
    lifecycle = models.CharField(max_length=20, choices=Lifecycle.choices, default=Lifecycle.LIVE)
    criticality = models.PositiveSmallIntegerField(choices=Criticality.choices, default=Criticality.TIER_2)
    regulatory_tags = models.ManyToManyField(RegulatoryTag, blank=True, related_name="services")
    data_classification = models.CharField(
        max_length=20, choices=DataClassification.choices, default=DataClassification.INTERNAL
    )
    hosting = models.CharField(max_length=20, choices=Hosting.choices, default=Hosting.ON_PREMISES)
    support_coverage = models.CharField(
        max_length=20, choices=SupportCoverage.choices, default=SupportCoverage.BUSINESS_HOURS
    )
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.PROTECT, null=True, blank=True, related_name="services"
    )
    availability_target = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Availability target in percent, e.g. 99.950",
    )
    documentation_url = models.URLField(blank=True)

    objects = RestrictedManager.from_queryset(ServiceQuerySet)()

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_all_services", "Can see every service, not only live or contracted ones"),
            ("manage_all_services", "Can change any service, not only the ones their team owns"),
            ("reclassify_service", "Can move a service to another mode"),
            ("import_services", "Can import services from CSV"),
        ]
        indexes = [models.Index(fields=["mode", "lifecycle"]), models.Index(fields=["criticality"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portfolio:service_detail", args=[self.slug])


class ServiceDependencyQuerySet(RestrictedQuerySet):
    """A dependency is visible with its consumer service and editable by whoever may change that service."""

    def restriction(self, user, action: str) -> Q | None:
        if action == "view":
            if user.has_perm("portfolio.view_all_services"):
                return None
            if user.supplier_id:
                return Q(source__supplier_id=user.supplier_id)
            return Q(source__lifecycle=Lifecycle.LIVE, target__lifecycle=Lifecycle.LIVE)
        if user.has_perm("portfolio.manage_all_services"):
            return None
        return (
            Q(source__owner_team__members=user)
            | Q(source__owner_team__lead=user)
            | Q(source__service_owner=user)
        )


class ServiceDependency(TimeStampedModel):
    """`source` depends on `target` (a change to the target can affect the source)."""

    source = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="dependencies")
    target = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="dependents")
    kind = models.CharField(max_length=20, choices=DependencyKind.choices, default=DependencyKind.RUNTIME)
    description = models.CharField(max_length=255, blank=True)

    objects = RestrictedManager.from_queryset(ServiceDependencyQuerySet)()

    class Meta:
        ordering = ["source__name", "target__name"]
        verbose_name_plural = "service dependencies"
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="unique_dependency_edge"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="dependency_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target} ({self.get_kind_display()})"


# --- readiness assessment --------------------------------------------------------------------------


def _service_rule(user, action: str, prefix: str = "service__") -> Q | None:
    """The object rule of rows that belong to a service: seen with the service, changed by its owners."""
    if action == "view":
        if user.has_perm("portfolio.view_all_services"):
            return None
        if user.supplier_id:
            return Q(**{f"{prefix}supplier_id": user.supplier_id})
        return Q(**{f"{prefix}lifecycle": Lifecycle.LIVE})
    if user.has_perm("portfolio.manage_all_services"):
        return None
    return (
        Q(**{f"{prefix}owner_team__members": user})
        | Q(**{f"{prefix}owner_team__lead": user})
        | Q(**{f"{prefix}service_owner": user})
    )


class QuestionnaireQuerySet(RestrictedQuerySet):
    """Every holder of the view permission sees every version; only drafts can be changed."""

    def restriction(self, user, action: str) -> Q | None:
        if action in {"change", "delete"}:
            return Q(status=QuestionnaireStatus.DRAFT)
        return None


class Questionnaire(TimeStampedModel):
    """A version of the readiness questionnaire: weighted criteria; the published one is in use."""

    version = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=120)
    status = models.CharField(
        max_length=20, choices=QuestionnaireStatus.choices, default=QuestionnaireStatus.DRAFT
    )
    notes = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = RestrictedManager.from_queryset(QuestionnaireQuerySet)()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="published"), name="one_published_questionnaire"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("portfolio:questionnaire_detail", args=[self.version])


class CriterionQuerySet(RestrictedQuerySet):
    """Criteria are changed only while their questionnaire is a draft."""

    def restriction(self, user, action: str) -> Q | None:
        if action in {"change", "delete"}:
            return Q(questionnaire__status=QuestionnaireStatus.DRAFT)
        return None


def validate_options(value) -> None:
    """Options are [{"value", "label", "score" 0…4}, …] with distinct values."""
    if not isinstance(value, list) or len(value) < 2:
        raise ValidationError("Give at least two answer options.")
    seen = set()
    for option in value:
        if not isinstance(option, dict) or set(option) != {"value", "label", "score"}:
            raise ValidationError("Each option needs exactly a value, a label and a score.")
        if not isinstance(option["score"], int) or not 0 <= option["score"] <= 4:
            raise ValidationError(f"Option “{option['value']}”: the score must be a whole number 0–4.")
        if option["value"] in seen:
            raise ValidationError(f"Option value “{option['value']}” appears twice.")
        seen.add(option["value"])


def validate_mode_weights(value) -> None:
    """Mode weights are {mode key: multiplier between -1 and 1}."""
    if not isinstance(value, dict):
        raise ValidationError("Mode weights are a mapping of mode key to a number between -1 and 1.")
    for key, weight in value.items():
        if not isinstance(weight, int | float) or not -1 <= weight <= 1:
            raise ValidationError(f"Mode “{key}”: the multiplier must be a number between -1 and 1.")


class Criterion(models.Model):
    """One weighted question of a questionnaire with its scored answers and per-mode direction."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="criteria")
    key = models.SlugField(max_length=60)
    label = models.CharField(max_length=120)
    help_text = models.CharField(max_length=255, blank=True)
    dimension = models.CharField(max_length=30, choices=Dimension.choices)
    weight = models.FloatField(
        default=1, validators=[MinValueValidator(0), MaxValueValidator(10)], help_text="Importance 0–10."
    )
    mode_weights = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_mode_weights],
        help_text="Mode key → +1 (a high answer speaks for it) … -1 (a low answer speaks for it).",
    )
    options = models.JSONField(validators=[validate_options])
    order = models.PositiveSmallIntegerField(default=0)

    objects = RestrictedManager.from_queryset(CriterionQuerySet)()

    class Meta:
        ordering = ["questionnaire", "order", "key"]
        verbose_name_plural = "criteria"
        constraints = [models.UniqueConstraint(fields=["questionnaire", "key"], name="unique_criterion_key")]

    def __str__(self) -> str:
        return self.label


class AssessmentQuerySet(RestrictedQuerySet):
    """Assessments are seen with their service and made by those who may change it."""

    def restriction(self, user, action: str) -> Q | None:
        return _service_rule(user, action)


class Assessment(models.Model):
    """One completed readiness assessment of a service: who, when, answers and the result."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="assessments")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="assessments")
    assessed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments"
    )
    assessed_at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.CharField(
        max_length=20, choices=AssessmentSource.choices, default=AssessmentSource.QUESTIONNAIRE
    )
    answers = models.JSONField(default=dict)
    scores = models.JSONField(default=dict, help_text="Mode key → score 0–100.")
    current_mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="+")
    recommended_mode = models.ForeignKey(
        Mode, on_delete=models.PROTECT, null=True, blank=True, related_name="recommended_in"
    )
    confidence = models.FloatField(default=0)
    rationale = models.JSONField(default=list)
    cost_of_change = models.FloatField(null=True, blank=True)
    demand_for_change = models.FloatField(null=True, blank=True)
    functional_fit = models.FloatField(null=True, blank=True)
    technical_fit = models.FloatField(null=True, blank=True)
    time_rating = models.CharField(max_length=20, choices=TimeRating.choices, blank=True)
    notes = models.TextField(blank=True)
    is_latest = models.BooleanField(default=True, editable=False)

    objects = RestrictedManager.from_queryset(AssessmentQuerySet)()

    class Meta:
        ordering = ["-assessed_at", "-pk"]
        indexes = [models.Index(fields=["service", "is_latest"])]
        constraints = [
            models.UniqueConstraint(
                fields=["service"], condition=Q(is_latest=True), name="one_latest_assessment"
            )
        ]

    def __str__(self) -> str:
        return f"Assessment of {self.service} on {self.assessed_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("portfolio:assessment_detail", args=[self.pk])

    @property
    def differs(self) -> bool:
        """The recommendation is not the mode the service was in when assessed."""
        return self.recommended_mode_id is not None and self.recommended_mode_id != self.current_mode_id


class ProposalQuerySet(RestrictedQuerySet):
    """Proposals are seen with their service."""

    def restriction(self, user, action: str) -> Q | None:
        if action == "view":
            return _service_rule(user, action)
        return None

    def with_related(self) -> ProposalQuerySet:
        return self.select_related(
            "service__mode", "service__owner_team", "from_mode", "to_mode", "proposed_by", "decided_by"
        )


class ReclassificationProposal(TimeStampedModel):
    """A proposal to move a service to another mode, by a person or by drift detection."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="proposals")
    from_mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="+")
    to_mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    evidence = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=20, choices=ProposalSource.choices, default=ProposalSource.PERSON)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, null=True, blank=True, related_name="proposals"
    )
    status = models.CharField(max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)
    proposed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="reclassification_proposals"
    )
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    objects = RestrictedManager.from_queryset(ProposalQuerySet)()

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("decide_reclassificationproposal", "Can accept or reject a reclassification proposal")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["service"], condition=Q(status="open"), name="one_open_proposal_per_service"
            ),
            models.CheckConstraint(condition=~Q(from_mode=models.F("to_mode")), name="proposal_changes_mode"),
        ]

    def __str__(self) -> str:
        return f"{self.service}: {self.from_mode.short_name} → {self.to_mode.short_name}"

    def get_absolute_url(self) -> str:
        return reverse("portfolio:proposal_detail", args=[self.pk])


class PathwayQuerySet(RestrictedQuerySet):
    """Pathways are seen with their service; changed by its owners, the pathway owner or governance."""

    def restriction(self, user, action: str) -> Q | None:
        rule = _service_rule(user, action)
        if action == "view" or rule is None:
            return rule
        return rule | Q(owner=user)

    def with_related(self) -> PathwayQuerySet:
        return self.select_related("service__mode", "service__owner_team", "from_mode", "to_mode", "owner")


class MigrationPathway(TimeStampedModel):
    """A plan to move a service from one mode to another: steps, readiness criteria, progress, blockers."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="pathways")
    title = models.CharField(max_length=160)
    from_mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="+")
    to_mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=PathwayStatus.choices, default=PathwayStatus.PLANNED)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="migration_pathways")
    target_date = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    proposal = models.ForeignKey(
        ReclassificationProposal, on_delete=models.PROTECT, null=True, blank=True, related_name="pathways"
    )

    objects = RestrictedManager.from_queryset(PathwayQuerySet)()

    class Meta:
        ordering = ["target_date", "title"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_mode=models.F("to_mode")), name="pathway_changes_mode")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portfolio:pathway_detail", args=[self.pk])


class PathwayStepQuerySet(RestrictedQuerySet):
    """Steps follow their pathway."""

    def restriction(self, user, action: str) -> Q | None:
        rule = _service_rule(user, action, prefix="pathway__service__")
        if action == "view" or rule is None:
            return rule
        return rule | Q(pathway__owner=user) | Q(owner=user)


class PathwayStep(models.Model):
    """One step of a migration pathway with its owner, due date and (when stuck) blocker."""

    pathway = models.ForeignKey(MigrationPathway, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(max_length=160)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=StepStatus.choices, default=StepStatus.TODO)
    done = models.BooleanField(default=False, editable=False, help_text="Kept equal to status = done.")
    done_at = models.DateTimeField(null=True, blank=True)
    blocker = models.CharField(max_length=255, blank=True, help_text="What stops this step, if anything.")
    order = models.PositiveSmallIntegerField(default=0)

    objects = RestrictedManager.from_queryset(PathwayStepQuerySet)()

    class Meta:
        ordering = ["pathway", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class ReadinessCriterionQuerySet(PathwayStepQuerySet):
    """Readiness criteria follow their pathway."""

    def restriction(self, user, action: str) -> Q | None:
        rule = _service_rule(user, action, prefix="pathway__service__")
        if action == "view" or rule is None:
            return rule
        return rule | Q(pathway__owner=user)


class ReadinessCriterion(models.Model):
    """A condition the service must meet before it moves (e.g. deployment automation in place)."""

    pathway = models.ForeignKey(MigrationPathway, on_delete=models.CASCADE, related_name="readiness")
    label = models.CharField(max_length=160)
    met = models.BooleanField(default=False)
    evidence = models.CharField(max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = RestrictedManager.from_queryset(ReadinessCriterionQuerySet)()

    class Meta:
        ordering = ["pathway", "order", "pk"]
        verbose_name_plural = "readiness criteria"

    def __str__(self) -> str:
        return self.label
