"""FilterSets of the people app, shared by pages and the API."""

import django_filters

from bimodal.core.filtersets import FilterSet, visible
from bimodal.core.models import Team
from bimodal.people.choices import ProficiencyLevel, SkillArea
from bimodal.people.models import Proficiency, Skill, SkillRequirement


class SkillFilterSet(FilterSet):
    """Filters of the skills catalogue."""

    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    skill_area = django_filters.MultipleChoiceFilter(choices=SkillArea.choices)

    class Meta:
        model = Skill
        fields = ["q", "skill_area"]


class ProficiencyFilterSet(FilterSet):
    """Filters of proficiency ratings."""

    person = django_filters.CharFilter(field_name="person__username")
    skill = django_filters.CharFilter(field_name="skill__slug")
    team = django_filters.ModelChoiceFilter(
        field_name="person__teams__slug", to_field_name="slug", queryset=visible(Team), distinct=True
    )
    min_level = django_filters.NumberFilter(field_name="proficiency_level", lookup_expr="gte")
    proficiency_level = django_filters.MultipleChoiceFilter(choices=ProficiencyLevel.choices)

    class Meta:
        model = Proficiency
        fields = ["person", "skill", "team", "min_level", "proficiency_level"]


class SkillRequirementFilterSet(FilterSet):
    """Filters of skill profiles."""

    mode = django_filters.CharFilter(field_name="mode__key")
    service = django_filters.CharFilter(field_name="service__slug")
    skill = django_filters.CharFilter(field_name="skill__slug")

    class Meta:
        model = SkillRequirement
        fields = ["mode", "service", "skill"]
