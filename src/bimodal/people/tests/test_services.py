"""Service tests of the people app: the skill catalogue's writes and their field specification."""

from __future__ import annotations

import pytest

from bimodal.core.models import AuditEntry
from bimodal.core.tests.fieldspec import spec_mismatches
from bimodal.people import services
from bimodal.people.api.serializers import SkillSerializer
from bimodal.people.forms import SkillForm

pytestmark = pytest.mark.django_db


def test_skill_fields_are_named_once():
    assert not spec_mismatches(
        services.SKILL_FIELDS,
        services={services.skill_create: (), services.skill_update: ("skill",)},
        serializer=SkillSerializer,
        form=SkillForm,
        form_omits=("slug",),  # the service derives the slug from the name
    )


def test_skill_create_defaults_its_slug_and_area(make_user):
    skill = services.skill_create(actor=make_user("governance_lead"), name="Site reliability")
    assert (skill.slug, skill.skill_area, skill.description) == ("site-reliability", "engineering", "")
    assert AuditEntry.objects.get(verb="skill_create").object_id == str(skill.pk)


def test_skill_update_changes_only_what_is_given(make_user):
    lead = make_user("governance_lead")
    skill = services.skill_create(actor=lead, name="COBOL", skill_area="engineering", description="Mainframe")
    services.skill_update(actor=lead, skill=skill, name="COBOL 85", reason="rename")
    skill.refresh_from_db()
    assert (skill.name, skill.skill_area, skill.description) == ("COBOL 85", "engineering", "Mainframe")
    entry = AuditEntry.objects.get(verb="skill_update")
    assert entry.reason == "rename" and entry.before["name"] == "COBOL"


def test_skill_update_with_nothing_given_writes_no_audit_row(make_user):
    lead = make_user("governance_lead")
    skill = services.skill_create(actor=lead, name="Kubernetes")
    services.skill_update(actor=lead, skill=skill)
    assert not AuditEntry.objects.filter(verb="skill_update").exists()
