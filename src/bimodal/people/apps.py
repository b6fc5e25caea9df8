"""People app: skills catalogue, proficiency, what each mode and service needs, gap analysis."""

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """Configuration of the people app."""

    name = "bimodal.people"
    label = "people"
    verbose_name = "People & skills"
