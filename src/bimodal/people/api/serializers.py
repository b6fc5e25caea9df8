"""Serializers of the people API."""

from __future__ import annotations

from rest_framework import serializers

from bimodal.core.api.serializers import RestrictedSlugRelatedField, user_field
from bimodal.core.models import User
from bimodal.people.models import Proficiency, Skill, SkillRequirement
from bimodal.people.services import SKILL_FIELDS
from bimodal.portfolio.models import Mode, Service


class SkillSerializer(serializers.ModelSerializer):
    """A skill of the catalogue."""

    class Meta:
        model = Skill
        fields = [*SKILL_FIELDS]
        extra_kwargs = {"slug": {"required": False}}


class ProficiencySerializer(serializers.ModelSerializer):
    """How well a person masters a skill (1–4); POST records or changes it."""

    person = user_field()
    skill = RestrictedSlugRelatedField(slug_field="slug", queryset=Skill.objects.all())
    assessed_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Proficiency
        fields = ["id", "person", "skill", "proficiency_level", "assessed_by", "assessed_on"]
        read_only_fields = ["assessed_on"]
        validators: list[object] = []  # one rating per person and skill: the service updates an existing one


class SkillRequirementSerializer(serializers.ModelSerializer):
    """Part of a skill profile: a mode (by key) or a service (by slug) needs people at a level."""

    skill = RestrictedSlugRelatedField(slug_field="slug", queryset=Skill.objects.all())
    mode = RestrictedSlugRelatedField(
        slug_field="key", queryset=Mode.objects.all(), required=False, allow_null=True
    )
    service = RestrictedSlugRelatedField(
        slug_field="slug", queryset=Service.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = SkillRequirement
        fields = ["id", "skill", "mode", "service", "min_level", "headcount", "notes"]
        validators: list[object] = []


class GapRowSerializer(serializers.Serializer):
    """The gap of one skill in a team for a mode, and the recommendation."""

    skill = serializers.CharField()
    sources = serializers.ListField(child=serializers.CharField(), help_text="Mode or services that need it")
    required_level = serializers.IntegerField()
    needed = serializers.IntegerField()
    have = serializers.IntegerField()
    gap = serializers.IntegerField()
    train = serializers.IntegerField()
    recruit = serializers.IntegerField()
    contract = serializers.IntegerField()
    recommendation = serializers.CharField()


class GapQuerySerializer(serializers.Serializer):
    """Which team and mode to analyse."""

    team = serializers.SlugField()
    mode = serializers.SlugField()
