"""Forms of the service desk pages (validation of input shape only; services decide the rest)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from zoneinfo import available_timezones

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from bimodal.changes.models import Change
from bimodal.core.calendars import WEEKDAYS, parse_hours_text
from bimodal.core.forms import StyledFormMixin, set_choices
from bimodal.core.models import Team, User
from bimodal.core.roles import Role
from bimodal.portfolio.models import Mode, Service
from bimodal.servicedesk.choices import (
    TRANSITIONS,
    Approver,
    Department,
    FieldType,
    Level,
    Priority,
    SlaTarget,
    TicketStatus,
    TicketType,
)
from bimodal.servicedesk.forms_schema import NAME
from bimodal.servicedesk.models import CatalogueItem, Category, SupportSchedule

# Statuses an SLA may pause in (the open ones, in life order).
OPEN_STATUSES_ORDERED = [
    TicketStatus.NEW,
    TicketStatus.AWAITING_APPROVAL,
    TicketStatus.IN_PROGRESS,
    TicketStatus.AWAITING_CUSTOMER,
    TicketStatus.AWAITING_SUPPLIER,
]


class Styled(StyledFormMixin):
    """Service-desk forms call `self.style()` once their fields are complete."""

    def style(self) -> None:
        self.style_widgets()


class TicketForm(Styled, forms.Form):
    """Raise an incident (or, for agents, a problem)."""

    ticket_type = forms.ChoiceField(
        choices=[(TicketType.INCIDENT, "Incident"), (TicketType.PROBLEM, "Problem")]
    )
    title = forms.CharField(max_length=200)
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    impact = forms.TypedChoiceField(choices=Level.choices, coerce=int, initial=Level.LOW)
    urgency = forms.TypedChoiceField(choices=Level.choices, coerce=int, initial=Level.LOW)
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "service", Service.objects.restrict(user, "view").order_by("name"))
        ticket_type = self.fields["ticket_type"]
        if not user.has_perm("servicedesk.work_tickets") and isinstance(ticket_type, forms.ChoiceField):
            ticket_type.choices = [(TicketType.INCIDENT, "Incident")]
        self.style()


class TransitionForm(Styled, forms.Form):
    """Move a ticket to another status."""

    status = forms.ChoiceField(choices=[])
    reason = forms.CharField(required=False, max_length=500)
    resolution = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, ticket, moves: list[str] | None = None, **kwargs):
        """`moves`: the statuses to offer (the viewer's, see selectors.ticket_moves); by default every
        allowed transition, which the service then checks against the person."""
        super().__init__(*args, **kwargs)
        offered = sorted(TRANSITIONS.get(ticket.status, ())) if moves is None else moves
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [(s, TicketStatus(s).label) for s in offered]
        self.style()


class CommentForm(Styled, forms.Form):
    """Comment on a ticket."""

    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
    internal = forms.BooleanField(required=False, label="Internal note (agents only)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class AssignForm(Styled, forms.Form):
    """Assign a ticket to a group and, optionally, one of that group's members."""

    group = forms.ModelChoiceField(queryset=Team.objects.none())
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args, user: User, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.restrict(user, "view").order_by("name")
        if user.supplier_id:
            teams = teams.filter(supplier_id=user.supplier_id)
        set_choices(self, "group", teams)
        self.fields["group"].initial = ticket.assignment_group_id
        self.fields["group"].widget.attrs.update(
            {
                "hx-get": reverse("servicedesk:assignee_options", args=[ticket.number]),
                "hx-trigger": "change",
                "hx-target": "#assignee-field",
                "hx-swap": "outerHTML",
                "hx-include": "this",
            }
        )
        # The assignees offered (and accepted) are the members of the group chosen: the one posted, else
        # the ticket's. The page swaps this list when the group changes (assignee_options).
        group_id = self.data.get(self.add_prefix("group")) if self.is_bound else ticket.assignment_group_id
        group = teams.filter(pk=int(str(group_id))).first() if str(group_id or "").isdigit() else None
        members = group.members.filter(is_active=True).order_by("username") if group else User.objects.none()
        set_choices(self, "assignee", members)
        self.fields["assignee"].initial = ticket.assignee_id
        self.fields["assignee"].error_messages["invalid_choice"] = (
            f"Choose a member of {group}." if group else "Choose a group first."
        )
        self.style()


class AttachmentForm(Styled, forms.Form):
    """Upload a file."""

    file = forms.FileField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class DecisionForm(Styled, forms.Form):
    """Approve or reject a request."""

    approve = forms.TypedChoiceField(choices=[("1", "Approve"), ("0", "Reject")], coerce=lambda v: v == "1")
    reason = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


# --- administration ---------------------------------------------------------------------------------


def _split(text: str) -> list[str]:
    return [part.strip() for part in (text or "").replace("\n", ",").split(",") if part.strip()]


class FieldSpecForm(Styled, forms.Form):
    """One field of a catalogue item's request form (a row of the form-schema editor)."""

    name = forms.CharField(max_length=40, help_text="lower_case_name")
    label = forms.CharField(max_length=120, required=False)
    type = forms.ChoiceField(choices=FieldType.choices)
    required = forms.BooleanField(required=False)
    choices = forms.CharField(required=False, help_text="Comma-separated (choice fields)")
    min = forms.DecimalField(required=False)
    max = forms.DecimalField(required=False)
    max_length = forms.IntegerField(required=False, min_value=1, max_value=10000)
    pattern = forms.CharField(required=False, max_length=200)
    help = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not NAME.match(name):
            raise ValidationError("Lower-case letters, digits and _, starting with a letter.")
        return name

    def clean_pattern(self) -> str:
        pattern = self.cleaned_data["pattern"]
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValidationError(f"Not a regular expression: {exc}.") from None
        return pattern

    def clean(self):
        data = super().clean()
        lo, hi = data.get("min"), data.get("max")
        if lo is not None and hi is not None and lo > hi:
            self.add_error("max", "Max must not be below min.")
        if data.get("type") == FieldType.CHOICE and not _split(data.get("choices", "")):
            self.add_error("choices", "A choice field needs choices.")
        return data

    def spec(self) -> dict:
        """The field as schema data (only the options that are set)."""
        d = self.cleaned_data
        spec: dict = {"name": d["name"], "type": d["type"]}
        if d.get("label"):
            spec["label"] = d["label"]
        if d.get("required"):
            spec["required"] = True
        if d["type"] == FieldType.CHOICE:
            spec["choices"] = _split(d.get("choices", ""))
        for key in ("min", "max"):
            if d.get(key) is not None:
                value = d[key]
                spec[key] = int(value) if value == value.to_integral_value() else float(value)
        for key in ("max_length", "pattern", "help"):
            if d.get(key):
                spec[key] = d[key]
        return spec

    @staticmethod
    def initial_for(spec: dict) -> dict:
        return {**spec, "choices": ", ".join(spec.get("choices", []))}


FieldSpecFormSet = forms.formset_factory(FieldSpecForm, extra=0, can_order=True, can_delete=True)


class TaskSpecForm(Styled, forms.Form):
    """One fulfilment task of a catalogue item."""

    title = forms.CharField(max_length=200)
    group = forms.ChoiceField(required=False, help_text="Blank: the item's fulfilment group")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.order_by("name").values_list("slug", "name")
        self.fields["group"].choices = [("", "— fulfilment group —"), *teams]
        self.style()

    def spec(self) -> dict:
        d = self.cleaned_data
        return {"title": d["title"], **({"group": d["group"]} if d.get("group") else {})}


TaskSpecFormSet = forms.formset_factory(TaskSpecForm, extra=0, can_order=True, can_delete=True)


def specs_of(formset) -> list[dict]:
    """The rows of a valid editor formset, in their order, without deleted or untouched blank rows."""
    return [f.spec() for f in formset.ordered_forms if f.has_changed() or f.initial]


class RoutingRuleForm(Styled, forms.Form):
    """A routing rule: its criteria (blank = any) and the group it routes to."""

    name = forms.CharField(max_length=120)
    order = forms.IntegerField(
        min_value=0, initial=100, help_text="Among equally specific rules, lower wins."
    )
    ticket_type = forms.ChoiceField(choices=[("", "any"), *TicketType.choices], required=False)
    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False, empty_label="any")
    catalogue_item = forms.ModelChoiceField(
        queryset=CatalogueItem.objects.order_by("name"), required=False, empty_label="any"
    )
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False, empty_label="any")
    group = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="the service's support team",
        help_text="Blank: the ticket's service's support (owner) team.",
    )
    active = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "service", Service.objects.restrict(user, "view").order_by("name"))
        set_choices(self, "catalogue_item", CatalogueItem.objects.restrict(user, "view").order_by("name"))
        set_choices(self, "group", Team.objects.restrict(user, "view").order_by("name"))
        self.style()

    @staticmethod
    def initial_for(rule) -> dict:
        return {
            "name": rule.name,
            "order": rule.order,
            "ticket_type": rule.ticket_type,
            "service": rule.service_id,
            "catalogue_item": rule.catalogue_item_id,
            "category": rule.category_id,
            "group": rule.group_id,
            "active": rule.active,
        }


class ServiceForm(Styled, forms.Form):
    """Move a ticket to another service (routing runs again unless a person chose its group)."""

    service = forms.ModelChoiceField(queryset=Service.objects.none())
    reason = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, user: User, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "service", Service.objects.restrict(user, "view").order_by("name"))
        self.fields["service"].initial = ticket.service_id
        self.style()


class CatalogueItemForm(Styled, forms.Form):
    """A catalogue item's attributes (its form and tasks are edited in the formsets alongside)."""

    department = forms.ChoiceField(choices=Department.choices)
    name = forms.CharField(max_length=160)
    slug = forms.SlugField(max_length=160, required=False, help_text="Blank: from the name")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False)
    fulfilment_group = forms.ModelChoiceField(queryset=Team.objects.order_by("name"))
    requires_approval = forms.BooleanField(required=False)
    approver = forms.ChoiceField(choices=[("", "—"), *Approver.choices], required=False)
    approver_role = forms.ChoiceField(choices=[("", "—"), *Role.choices], required=False)
    active = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "service", Service.objects.restrict(user, "view").order_by("name"))
        self.style()


def hours_field(day: str) -> forms.CharField:
    return forms.CharField(
        required=False, label=day.capitalize(), help_text="e.g. 09:00-12:30, 13:30-17:30; blank = closed"
    )


class ScheduleForm(Styled, forms.Form):
    """A support schedule: working hours per weekday, zone, holidays and closures (or 24×7)."""

    name = forms.CharField(max_length=120)
    slug = forms.SlugField(max_length=120, required=False, help_text="Blank: from the name")
    time_zone = forms.ChoiceField(choices=[])
    always_on = forms.BooleanField(required=False, label="24×7 (the clock always runs)")
    mon = hours_field("mon")
    tue = hours_field("tue")
    wed = hours_field("wed")
    thu = hours_field("thu")
    fri = hours_field("fri")
    sat = hours_field("sat")
    sun = hours_field("sun")
    country = forms.CharField(max_length=8, required=False, help_text="Public holidays: ISO code, e.g. GB")
    subdivision = forms.CharField(max_length=16, required=False, help_text="e.g. ENG, SCT")
    closures = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Extra closed dates, one a line (YYYY-MM-DD)",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(z, z) for z in sorted(available_timezones())]
        self.style()

    @staticmethod
    def initial_for(schedule) -> dict:
        hours = {d: ", ".join(f"{a}-{b}" for a, b in schedule.hours.get(d, [])) for d in WEEKDAYS}
        return {
            "name": schedule.name,
            "slug": schedule.slug,
            "time_zone": schedule.time_zone,
            "always_on": schedule.always_on,
            "country": schedule.country,
            "subdivision": schedule.subdivision,
            "closures": "\n".join(schedule.closures),
            **hours,
        }

    def clean(self):
        data = super().clean()
        for day in WEEKDAYS:
            try:
                data[day] = parse_hours_text(data.get(day, ""))
            except ValueError as exc:
                self.add_error(day, str(exc))
        closures = []
        for text in _split(data.get("closures", "")):
            try:
                closures.append(date.fromisoformat(text).isoformat())
            except ValueError:
                self.add_error("closures", f"{text!r} is not a date (YYYY-MM-DD).")
        data["closures"] = sorted(set(closures))
        data["country"] = data.get("country", "").strip().upper()
        data["subdivision"] = data.get("subdivision", "").strip().upper()
        return data

    def weekdays(self) -> list[forms.BoundField]:
        """The working-hours fields, Monday to Sunday."""
        return [self[day] for day in WEEKDAYS]

    def service_fields(self) -> dict:
        """The schedule's fields for schedule_create / schedule_update (a blank slug: from the name on
        creation, unchanged on an edit)."""
        slug = self.cleaned_data["slug"]
        return {**self.values(), **({"slug": slug} if slug else {})}

    def values(self) -> dict:
        """The schedule's fields for the service functions."""
        d = self.cleaned_data
        return {
            "name": d["name"],
            "time_zone": d["time_zone"],
            "always_on": d["always_on"],
            "hours": {day: d[day] for day in WEEKDAYS if d[day]},
            "country": d["country"],
            "subdivision": d["subdivision"],
            "closures": d["closures"],
        }


class SlaDefinitionForm(Styled, forms.Form):
    """An SLA definition: criteria, target, schedule, pauses, thresholds and breach actions."""

    name = forms.CharField(max_length=160)
    target = forms.ChoiceField(choices=SlaTarget.choices)
    ticket_type = forms.ChoiceField(choices=[("", "any"), *TicketType.choices], required=False)
    priority = forms.ChoiceField(choices=[("", "any"), *Priority.choices], required=False)
    mode = forms.ModelChoiceField(queryset=Mode.objects.all(), required=False, empty_label="any")
    catalogue_item = forms.ModelChoiceField(
        queryset=CatalogueItem.objects.order_by("name"), required=False, empty_label="any"
    )
    target_hours = forms.DecimalField(
        min_value=Decimal("0.01"), max_digits=8, decimal_places=2, help_text="Business hours on the schedule"
    )
    schedule = forms.ModelChoiceField(queryset=SupportSchedule.objects.all())
    pause_statuses = forms.MultipleChoiceField(
        choices=[(s, TicketStatus(s).label) for s in OPEN_STATUSES_ORDERED],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    warning_thresholds = forms.CharField(required=False, help_text="Percentages, e.g. 50, 75, 90")
    escalation_team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), required=False)
    raise_priority_on_breach = forms.BooleanField(required=False)
    active = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()
        self.fields["pause_statuses"].widget.attrs.pop("class", None)

    @staticmethod
    def initial_for(definition) -> dict:
        return {
            **{
                f: getattr(definition, f)
                for f in ("name", "target", "ticket_type", "priority", "pause_statuses", "active")
            },
            "mode": definition.mode_id,
            "catalogue_item": definition.catalogue_item_id,
            "schedule": definition.schedule_id,
            "escalation_team": definition.escalation_team_id,
            "raise_priority_on_breach": definition.raise_priority_on_breach,
            "target_hours": Decimal(definition.target_seconds) / 3600,
            "warning_thresholds": ", ".join(str(t) for t in definition.warning_thresholds),
        }

    def clean_warning_thresholds(self) -> list[int]:
        out = []
        for text in _split(self.cleaned_data["warning_thresholds"]):
            if not text.isdigit() or not 0 < int(text) < 100:
                raise ValidationError(f"{text!r}: thresholds are whole percentages between 1 and 99.")
            out.append(int(text))
        return sorted(set(out))

    def values(self) -> dict:
        d = dict(self.cleaned_data)
        d["target_seconds"] = int(d.pop("target_hours") * 3600)
        return d

    def service_fields(self) -> dict:
        """The definition's fields for sla_definition_create / sla_definition_update."""
        return self.values()


class PriorityMatrixForm(Styled, forms.Form):
    """The impact × urgency grid: one priority per cell."""

    def __init__(self, *args, matrix: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for impact in Level.values:
            for urgency in Level.values:
                self.fields[f"cell_{impact}_{urgency}"] = forms.ChoiceField(
                    choices=Priority.choices,
                    initial=matrix[(impact, urgency)],
                    label=f"Impact {impact} × urgency {urgency}",
                )
        self.style()

    def rows(self):
        """[(impact label, [bound field per urgency])] for the grid."""
        return [(Level(i).label, [self[f"cell_{i}_{u}"] for u in Level.values]) for i in Level.values]

    def matrix(self) -> dict[tuple[int, int], str]:
        return {(i, u): self.cleaned_data[f"cell_{i}_{u}"] for i in Level.values for u in Level.values}


class LinkChangeForm(Styled, forms.Form):
    """Link a change record (by reference) to a ticket; only changes the user may see are offered."""

    change: forms.ModelChoiceField[Change] = forms.ModelChoiceField(
        queryset=None, to_field_name="reference", label="Change", empty_label="Choose a change to link…"
    )

    def __init__(self, *args, user: User, ticket, **kwargs):

        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "change",
            (Change.objects.restrict(user, "view").exclude(tickets=ticket).order_by("-created_at")),
        )
        self.style()


RATING_CHOICES = [
    ("1", "1 — Very dissatisfied"),
    ("2", "2 — Dissatisfied"),
    ("3", "3 — Neither satisfied nor dissatisfied"),
    ("4", "4 — Satisfied"),
    ("5", "5 — Very satisfied"),
]


class RatingForm(forms.Form):
    """The one-question survey of a resolved ticket: a rating from 1 to 5 and an optional comment."""

    rating = forms.TypedChoiceField(
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        label="How satisfied are you with the resolution?",
    )
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        label="Comment (optional)",
    )


class SatisfactionPeriodForm(forms.Form):
    """The period of the satisfaction page: the last N days, or from a start to an end date."""

    days = forms.TypedChoiceField(
        choices=[(30, "30 days"), (90, "90 days"), (180, "180 days"), (365, "12 months")],
        coerce=int,
        initial=90,
        required=False,
    )
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError({"end": "The period ends before it starts."})
        return data
