"""Assessment: readiness questionnaires and their criteria, assessments of services and reclassification
proposals."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bimodal.core.models import TimeStampedModel, User
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.portfolio.choices import (
    AssessmentSource,
    Axis,
    Dimension,
    Lifecycle,
    ProposalSource,
    ProposalStatus,
    QuestionnaireStatus,
    TimeRating,
)
from bimodal.portfolio.models.catalogue import Mode, Service


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
    axis = models.SmallIntegerField(
        choices=Axis.choices,
        default=Axis.NONE,
        help_text="Where a high answer places the service between stability and exploration; every mode "
        "then scores by its distance from that place. Not on the axis: the per-mode weights count.",
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
