"""Models of the people app: the skills catalogue, proficiency per person, skill profiles per mode and service."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bimodal.core.models import TimeStampedModel, User
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.people.choices import ProficiencyLevel, SkillArea


class Skill(TimeStampedModel):
    """A skill in the catalogue (e.g. Kubernetes, ITIL change management, COBOL)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    skill_area = models.CharField(max_length=20, choices=SkillArea.choices, default=SkillArea.ENGINEERING)
    description = models.TextField(blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["skill_area", "name"]

    def __str__(self) -> str:
        return self.name


class ProficiencyQuerySet(RestrictedQuerySet):
    """Everyone with the view permission sees the matrix; a team lead changes their members' ratings."""

    def restriction(self, user, action: str) -> Q | None:
        if action == "view" or user.has_perm("people.manage_all_proficiency"):
            return None
        return Q(person__teams__lead=user)


class Proficiency(TimeStampedModel):
    """How well one person masters one skill (1–4), as last assessed."""

    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="proficiencies")
    proficiency_level = models.PositiveSmallIntegerField(
        choices=ProficiencyLevel.choices, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    assessed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    assessed_on = models.DateField(default=timezone.localdate)

    objects = RestrictedManager.from_queryset(ProficiencyQuerySet)()

    class Meta:
        ordering = ["person__username", "skill__name"]
        verbose_name = "proficiency"
        verbose_name_plural = "proficiencies"
        permissions = [("manage_all_proficiency", "Can record anyone's proficiency, not only their team's")]
        constraints = [
            models.UniqueConstraint(fields=["person", "skill"], name="one_rating_per_person_skill")
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.skill}: {self.proficiency_level}"


class SkillRequirement(TimeStampedModel):
    """Part of a skill profile: a mode or a service needs `headcount` people at `min_level` or above."""

    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="requirements")
    mode = models.ForeignKey(
        "portfolio.Mode", on_delete=models.PROTECT, null=True, blank=True, related_name="skill_requirements"
    )
    service = models.ForeignKey(
        "portfolio.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="skill_requirements",
    )
    # A plain number on the same 1–4 scale (no choices), so that the API has one enum for the scale.
    min_level = models.PositiveSmallIntegerField(
        default=ProficiencyLevel.PRACTITIONER,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    headcount = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    notes = models.CharField(max_length=200, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["skill__name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(mode__isnull=False) & Q(service__isnull=True))
                | (Q(mode__isnull=True) & Q(service__isnull=False)),
                name="requirement_for_mode_xor_service",
            ),
            models.UniqueConstraint(fields=["skill", "mode"], name="one_requirement_per_mode_skill"),
            models.UniqueConstraint(fields=["skill", "service"], name="one_requirement_per_service_skill"),
        ]

    def __str__(self) -> str:
        return f"{self.mode or self.service} needs {self.headcount} × {self.skill} ≥ {self.min_level}"
