"""Forms of the service desk pages (validation of input shape only; services decide the rest)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from bimodal.core.models import Team, User
from bimodal.portfolio.models import Service
from bimodal.servicedesk.choices import TRANSITIONS, Level, TicketType
from bimodal.servicedesk.models import Category


def apply_validation_error(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form (unknown fields as non-field errors)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class Styled:
    def style(self) -> None:
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            field.widget.attrs.setdefault("class", css)


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
        self.fields["service"].queryset = Service.objects.restrict(user, "view").order_by("name")
        if not user.has_perm("servicedesk.work_tickets"):
            self.fields["ticket_type"].choices = [(TicketType.INCIDENT, "Incident")]
        self.style()


class TransitionForm(Styled, forms.Form):
    """Move a ticket to another status."""

    status = forms.ChoiceField(choices=[])
    reason = forms.CharField(required=False, max_length=500)
    resolution = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        from bimodal.servicedesk.choices import TicketStatus

        self.fields["status"].choices = [
            (s, TicketStatus(s).label) for s in sorted(TRANSITIONS.get(ticket.status, ()))
        ]
        self.style()


class CommentForm(Styled, forms.Form):
    """Comment on a ticket."""

    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
    internal = forms.BooleanField(required=False, label="Internal note (agents only)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class AssignForm(Styled, forms.Form):
    """Assign a ticket to a group and member."""

    group = forms.ModelChoiceField(queryset=Team.objects.none())
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args, user: User, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.restrict(user, "view")
        if user.supplier_id:
            teams = teams.filter(supplier_id=user.supplier_id)
        self.fields["group"].queryset = teams
        self.fields["group"].initial = ticket.assignment_group_id
        self.fields["assignee"].queryset = User.objects.filter(teams__in=teams, is_active=True).distinct()
        self.fields["assignee"].initial = ticket.assignee_id
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
