"""core.forms.apply_validation_error: a service's refusal lands on the form, and says which status to answer."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.forms import apply_validation_error


class _Form(forms.Form):
    title = forms.CharField()


def _bound() -> _Form:
    form = _Form({"title": "Patch"})
    assert form.is_valid()
    return form


def test_a_broken_rule_is_put_on_its_field_or_at_the_top_and_answers_400():
    form = _bound()
    assert apply_validation_error(form, ValidationError({"title": "Taken.", "other": "Not a field."})) == 400
    assert form.errors == {"title": ["Taken."], "__all__": ["Not a field."]}
    form = _bound()
    assert apply_validation_error(form, ValidationError("Closed.")) == 400
    assert form.non_field_errors() == ["Closed."]


def test_a_refused_person_is_told_why_at_the_top_and_answers_403():
    form = _bound()
    assert apply_validation_error(form, PermissionDenied("You may not raise changes.")) == 403
    assert form.non_field_errors() == ["You may not raise changes."]
    form = _bound()
    assert apply_validation_error(form, PermissionDenied()) == 403
    assert form.non_field_errors() == ["You may not do that."]
    assert form.data["title"] == "Patch"  # what was typed stays bound to the form
