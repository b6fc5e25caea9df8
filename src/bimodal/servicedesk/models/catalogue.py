"""The request catalogue: support schedules, the priority matrix, categories and catalogue items."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from bimodal.core.calendars import WEEKDAYS, Schedule, check_region
from bimodal.core.models import Team, TimeStampedModel
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.core.roles import Role
from bimodal.servicedesk.choices import (
    Approver,
    Department,
    Level,
    Priority,
)
from bimodal.servicedesk.forms_schema import validate_schema


class SupportSchedule(TimeStampedModel):
    """Working hours in a time zone with public holidays and closures (or 24×7), for SLA clocks."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    time_zone = models.CharField(max_length=64, default="Europe/London")
    always_on = models.BooleanField(default=False, help_text="24×7: the clock always runs.")
    hours = models.JSONField(
        default=dict, blank=True, help_text='Per weekday, e.g. {"mon": [["09:00", "17:30"]], …}'
    )
    country = models.CharField(
        max_length=8, blank=True, help_text="Public holidays of this country (ISO code)."
    )
    subdivision = models.CharField(max_length=16, blank=True, help_text="Region, e.g. ENG, SCT.")
    closures = models.JSONField(default=list, blank=True, help_text="Extra closed dates (ISO).")

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("servicedesk:admin_schedule", args=[self.slug])

    def as_schedule(self) -> Schedule:
        """The calendar value the arithmetic works on."""
        if self.always_on:
            return Schedule.twenty_four_seven()
        return Schedule.from_spec(
            time_zone=self.time_zone,
            hours=self.hours,
            country=self.country,
            subdivision=self.subdivision,
            closures=self.closures,
        )

    def clean(self):
        from zoneinfo import ZoneInfo

        errors = {}
        try:
            ZoneInfo(self.time_zone)
        except Exception:
            errors["time_zone"] = f"Unknown time zone {self.time_zone!r} (e.g. Europe/London)."
        try:
            check_region(self.country, self.subdivision)
        except ValueError as exc:
            errors["subdivision" if self.country and "subdivision" in str(exc) else "country"] = str(exc)
        if not isinstance(self.hours, dict) or set(self.hours) - set(WEEKDAYS):
            errors["hours"] = f"Working hours are keyed by weekday: {', '.join(WEEKDAYS)}."
        if not isinstance(self.closures, list):
            errors["closures"] = "Closures are a list of ISO dates."
        if not errors:
            try:
                schedule = self.as_schedule()
            except Exception as exc:
                key = "closures" if "isoformat" in str(exc) or "date" in str(exc) else "hours"
                errors[key] = str(exc)
            else:
                if not schedule.has_working_time():
                    errors["hours"] = "Give some working hours (or make the schedule 24×7)."
        if errors:
            raise ValidationError(errors)


class PriorityRule(models.Model):
    """One cell of the impact × urgency matrix (editable data)."""

    impact = models.PositiveSmallIntegerField(choices=Level.choices)
    urgency = models.PositiveSmallIntegerField(choices=Level.choices)
    priority = models.CharField(max_length=2, choices=Priority.choices)

    objects = RestrictedManager()

    class Meta:
        ordering = ["impact", "urgency"]
        constraints = [models.UniqueConstraint(fields=["impact", "urgency"], name="sd_priority_cell")]

    def __str__(self) -> str:
        return f"impact {self.impact} × urgency {self.urgency} → {self.priority}"


class Category(models.Model):
    """A ticket category (e.g. Access, Hardware, Payroll)."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class CatalogueItemQuerySet(RestrictedQuerySet):
    """Requesters see the active items; catalogue admins see all."""

    def restriction(self, user, action: str) -> Q | None:
        if action == "view" and not user.has_perm("servicedesk.change_catalogueitem"):
            return Q(active=True)
        return None


class CatalogueItem(TimeStampedModel):
    """Something a person can ask a department for, with its request form defined as data."""

    department = models.CharField(max_length=20, choices=Department.choices)
    name = models.CharField(max_length=160)
    slug = models.SlugField(max_length=160, unique=True)
    description = models.TextField(blank=True)
    form_schema = models.JSONField(
        default=list,
        blank=True,
        help_text='Fields: [{"name", "label", "type", "required", "choices", "min", "max", "max_length", "pattern"}]',
    )
    service = models.ForeignKey("portfolio.Service", on_delete=models.PROTECT, related_name="catalogue_items")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True)
    fulfilment_group = models.ForeignKey("core.Team", on_delete=models.PROTECT, related_name="+")
    requires_approval = models.BooleanField(default=False)
    approver = models.CharField(max_length=20, choices=Approver.choices, blank=True)
    approver_role = models.CharField(max_length=40, blank=True, help_text="Role (group) that approves.")
    task_templates = models.JSONField(
        default=list, blank=True, help_text='Fulfilment tasks: [{"title": …, "group": team slug}]'
    )
    active = models.BooleanField(default=True)

    objects = RestrictedManager.from_queryset(CatalogueItemQuerySet)()

    class Meta:
        ordering = ["department", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("servicedesk:catalogue_request", args=[self.slug])

    def clean(self):
        errors = {}
        if problems := validate_schema(self.form_schema):
            errors["form_schema"] = problems
        if self.requires_approval and not self.approver:
            errors["approver"] = "Say who approves."
        if self.approver == Approver.ROLE and self.approver_role not in Role.values:
            errors["approver_role"] = "Choose the role that approves."
        tasks = self.task_templates
        if not isinstance(tasks, list) or not all(isinstance(t, dict) for t in tasks):
            errors["task_templates"] = 'Tasks are a list of {"title": …, "group": team slug}.'
        else:
            problems = [
                f"Task {i}: give a title."
                for i, t in enumerate(tasks, 1)
                if not str(t.get("title", "")).strip()
            ]
            problems += [
                f"Task {i}: unknown keys." for i, t in enumerate(tasks, 1) if set(t) - {"title", "group"}
            ]
            slugs = {t["group"] for t in tasks if t.get("group")}
            known = set(Team.objects.filter(slug__in=slugs).values_list("slug", flat=True))
            problems += [f"No team {slug!r}." for slug in sorted(slugs - known)]
            if problems:
                errors["task_templates"] = problems
        if errors:
            raise ValidationError(errors)
