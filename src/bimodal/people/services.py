"""Writes of the people app: skills, proficiency ratings and skill profiles (requirements)."""

from __future__ import annotations

from typing import Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bimodal.core.models import User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    given,
    require_object,
    require_perm,
    transactional,
    unique_slug,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.people.choices import ProficiencyLevel
from bimodal.people.models import Proficiency, Skill, SkillRequirement
from bimodal.portfolio.models import Mode, Service

# The fields a person sets on a skill: the form, the API's serializer and these services' keyword arguments
# list the same names (people/tests/test_services.py checks that they do not drift).
SKILL_FIELDS: Final = ("slug", "name", "skill_area", "description")


def skill_create(
    *, actor: User, name: str, slug: str = "", skill_area: str = "", description: str = ""
) -> Skill:
    """Add a skill to the catalogue (its area defaults to the model field's default)."""
    require_perm(actor, "people.add_skill")
    skill = Skill(
        name=name,
        slug=slug or unique_slug(Skill, name),
        description=description,
        **given(skill_area=skill_area or UNSET),
    )
    return create_audited(skill, actor=actor, verb=AuditVerb.SKILL_CREATE)


def skill_update(
    *,
    actor: User,
    skill: Skill,
    reason: str = "",
    slug: str | NotGiven = UNSET,
    name: str | NotGiven = UNSET,
    skill_area: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
) -> Skill:
    """Change the given attributes of a skill."""
    require_object(actor, "change", skill)
    fields = given(slug=slug, name=name, skill_area=skill_area, description=description)
    return update_audited(skill, actor=actor, fields=fields, reason=reason, verb=AuditVerb.SKILL_UPDATE)


def _may_rate(actor: User, person: User) -> bool:
    """Governance (manage_all_proficiency) rates anyone; a team lead rates the members of teams they lead."""
    if actor.has_perm("people.manage_all_proficiency"):
        return True
    return person.teams.filter(lead=actor).exists()


@transactional
def proficiency_record(
    *, actor: User, person: User, skill: Skill, proficiency_level: int, reason: str = ""
) -> Proficiency:
    """Record (or change) how well `person` masters `skill`, 1–4."""
    require_perm(actor, "people.add_proficiency")
    if not _may_rate(actor, person):
        raise PermissionDenied(
            f"You may only record proficiency of people in teams you lead, not of {person}."
        )
    existing = Proficiency.objects.filter(person=person, skill=skill).first()
    fields = {
        "proficiency_level": proficiency_level,
        "assessed_by": actor,
        "assessed_on": timezone.localdate(),
    }
    if existing:
        return update_audited(
            existing, actor=actor, fields=fields, reason=reason, verb=AuditVerb.PROFICIENCY_UPDATE
        )
    return create_audited(
        Proficiency(person=person, skill=skill, **fields),
        actor=actor,
        reason=reason,
        verb=AuditVerb.PROFICIENCY_RECORD,
    )


@transactional
def requirement_set(
    *,
    actor: User,
    skill: Skill,
    min_level: int = ProficiencyLevel.PRACTITIONER,
    headcount: int = 1,
    mode: Mode | None = None,
    service: Service | None = None,
    notes: str = "",
) -> SkillRequirement:
    """Set what a mode's or a service's skill profile needs of one skill (created or updated)."""
    require_perm(actor, "people.add_skillrequirement")
    if (mode is None) == (service is None):
        raise ValidationError({"mode": "A requirement belongs to a mode or to a service (one of them)."})
    existing = SkillRequirement.objects.filter(skill=skill, mode=mode, service=service).first()
    fields = {"min_level": min_level, "headcount": headcount, "notes": notes}
    if existing:
        require_perm(actor, "people.change_skillrequirement")
        return update_audited(existing, actor=actor, fields=fields, verb=AuditVerb.REQUIREMENT_UPDATE)
    return create_audited(
        SkillRequirement(skill=skill, mode=mode, service=service, **fields),
        actor=actor,
        verb=AuditVerb.REQUIREMENT_SET,
    )
