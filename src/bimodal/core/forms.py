"""Forms of the core app: they collect and validate input; the services do the writing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Prefetch, QuerySet
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.urls import reverse
from django.utils.http import urlencode

from bimodal.core.choices import TeamKind
from bimodal.core.models import OrgUnit, Team, User
from bimodal.core.querysets import restricted_manager
from bimodal.core.validation import NUL_MESSAGE, has_nul

if TYPE_CHECKING:
    _FormBase = forms.BaseForm  # what the mixins below are mixed into
else:
    _FormBase = object

# A foreign key to a higher app (suppliers), reached through the field, not by import.
_Supplier: type[Model] = Team.supplier.field.related_model


def set_choices(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    """Offer `queryset` as the choices of the form's model choice field `name` (once the user is known)."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


def person_label(user: User) -> str:
    """A person as a choice shows them: the name and the teams ("Sam Agent — Service Desk"), so that two
    people of the same name can be told apart. Reads `user.teams` (prefetched by the choice lists)."""
    teams = ", ".join(team.name for team in user.teams.all())
    return f"{user} — {teams}" if teams else str(user)


class AutocompleteSelect(forms.TextInput):
    """A picker for a list too long for a <select> (services: thousands): a text field holding the chosen
    row's key (a service's slug) with a <datalist> of suggestions that htmx fills from `url` as the person
    types (at most 20, only rows they may see; `core.htmx.autocomplete_options`). The page carries only the
    chosen row, never the whole list; without JavaScript it is a plain text field that accepts the key.

    Used as the widget of a ModelChoiceField with `to_field_name`: the field validates the key against its
    (restricted) queryset with one query; the widget reads the chosen row's label from the same queryset."""

    template_name = "core/widgets/autocomplete.html"
    input_type = "search"

    def __init__(self, url: str, attrs: dict[str, Any] | None = None, *, label_field: str = "name") -> None:
        super().__init__(attrs)
        self.url = url
        self.label_field = label_field
        self.choices: Any = ()  # a ModelChoiceField puts its ModelChoiceIterator here

    def selected_label(self, value: Any) -> str:
        """The chosen row's label (one query), or "" when nothing valid is chosen."""
        queryset = getattr(self.choices, "queryset", None)
        if value in (None, "") or queryset is None or has_nul(value):
            return ""
        key = self.choices.field.to_field_name or "pk"
        try:
            label = queryset.filter(**{key: value}).values_list(self.label_field, flat=True).first()
        except (ValueError, TypeError, ValidationError):
            return ""
        return str(label) if label is not None else ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        list_id = f"{widget['attrs'].get('id') or f'id_{name}'}-options"
        widget["list_id"] = list_id
        widget["value_label"] = self.selected_label(widget["value"])
        widget["attrs"].update(
            {
                # With a list, the input is a combobox to assistive technology (no explicit role, which
                # would also require aria-expanded that a native <datalist> does not keep up to date).
                "list": list_id,
                "autocomplete": "off",
                "aria-autocomplete": "list",
                "hx-get": f"{reverse(self.url)}?{urlencode({'field': name})}",
                "hx-trigger": "input changed delay:250ms, focus once",
                "hx-target": f"#{list_id}",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        )
        widget["attrs"].setdefault("placeholder", "Type a name")
        return context


class AutocompleteChoiceField(forms.ModelChoiceField[Model]):
    """The ModelChoiceField of an AutocompleteSelect: the key is typed, so a key holding NUL is refused
    as a field error before it reaches the database (PostgreSQL refuses NUL in text: it was a 500)."""

    def to_python(self, value: Any) -> Any:
        if has_nul(value):
            raise ValidationError(NUL_MESSAGE, code="null_characters_not_allowed")
        return super().to_python(value)


class DistinctChoiceIterator(ModelChoiceIterator[Model]):
    """The choices of a model choice field, each label told apart: people carry their teams
    (`person_label`), and choices that still share a label carry their number ("… #12")."""

    def __iter__(self) -> Iterator[Any]:
        field = self.field
        if field.empty_label is not None:
            yield ("", field.empty_label)
        queryset = self.queryset
        label: Callable[[Any], str] = field.label_from_instance
        if queryset.model is User:
            # One query for everyone's teams, however many people are listed.
            queryset = queryset.prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
            if type(field).label_from_instance is forms.ModelChoiceField.label_from_instance:
                label = person_label
        objects = list(queryset)
        labels = [label(obj) for obj in objects]
        shared = {text for text, n in Counter(labels).items() if n > 1}
        for obj, text in zip(objects, labels, strict=True):
            value = ModelChoiceIteratorValue(field.prepare_value(obj), obj)
            yield (value, f"{text} #{obj.pk}" if text in shared else text)


def label_choices(fields: Mapping[str, forms.Field]) -> None:
    """Make the labels of every model choice field distinct (see `DistinctChoiceIterator`)."""
    for field in fields.values():
        if isinstance(field, forms.ModelChoiceField) and field.iterator is not DistinctChoiceIterator:
            field.iterator = DistinctChoiceIterator
            field.widget.choices = field.choices


def style_widgets(fields: Mapping[str, forms.Field]) -> None:
    """Give each field's widget its Bootstrap class (once, keeping classes it already has) and its name, and
    each model choice field labels that can be told apart."""
    label_choices(fields)
    for field in fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        classes = widget.attrs.get("class", "").split()
        if css not in classes:
            widget.attrs["class"] = " ".join([*classes, css])
        # Compact forms draw a field without its <label>: its label still names it for screen readers.
        if field.label and not isinstance(widget, forms.HiddenInput | forms.CheckboxSelectMultiple):
            widget.attrs.setdefault("aria-label", str(field.label))


def apply_validation_error(form: forms.BaseForm, exc: ValidationError | PermissionDenied) -> int:
    """Show a service's refusal on the form: per field where the form has it, else at the top. Returns the
    status the re-rendered form answers with: 400 for a broken rule, 403 when the service refused the person
    (docs/style-guide.md, "Forms keep what was typed")."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc)
    else:
        form.add_error(None, str(exc) or "You may not do that.")
        return 403
    return 400


class StyledFormMixin(_FormBase):
    """Forms that add fields after __init__ call `self.style_widgets()` once they are complete."""

    def style_widgets(self) -> None:
        style_widgets(self.fields)


class BootstrapFormMixin(StyledFormMixin):
    """Give every widget Bootstrap's classes, and mark fields in error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def add_error(self, field: str | None, error: Any) -> None:
        """Record the error and mark the fields in error for Bootstrap."""
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields and "is-invalid" not in self.fields[name].widget.attrs.get("class", ""):
                self.fields[name].widget.attrs["class"] += " is-invalid"


class TeamForm(BootstrapFormMixin, forms.Form):
    """A team's attributes and members; `cleaned_data` maps onto team_create / team_update."""

    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=TeamKind.choices)
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label="Org unit")
    lead = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    members = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Hold Ctrl (⌘ on a Mac) to select several people.",
    )
    supplier = forms.ModelChoiceField(
        queryset=_Supplier._default_manager.none(),
        required=False,
        help_text="For teams run by a supplier.",
    )
    email = forms.EmailField(required=False)
    chat_channel = forms.CharField(max_length=120, required=False, label="Chat channel")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(
        required=False,
        max_length=500,
        help_text="Why — recorded in the audit log.",
        widget=forms.TextInput(attrs={"placeholder": "e.g. re-organisation of Digital Channels"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "org_unit", OrgUnit.objects.restrict(user, "view"))
        people = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
        set_choices(self, "lead", people)
        set_choices(self, "members", people)
        set_choices(self, "supplier", restricted_manager(_Supplier).restrict(user, "view"))

    @classmethod
    def initial_for(cls, team: Team) -> dict[str, Any]:
        """Initial values from an existing team."""
        return {
            "name": team.name,
            "kind": team.kind,
            "org_unit": team.org_unit_id,
            "lead": team.lead_id,
            "members": [m.pk for m in team.members.all()],
            "supplier": team.supplier_id,
            "email": team.email,
            "chat_channel": team.chat_channel,
            "description": team.description,
        }

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments of the team services (without `reason`)."""
        data = dict(self.cleaned_data)
        data.pop("reason", None)
        data["members"] = list(data.get("members") or [])
        return data
