"""Portfolio app: modes, the service catalogue and its dependency graph."""

import os

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def seed_modes(sender, **kwargs) -> None:
    """post_migrate hook: a new database gets the modes of the preset chosen at set-up (bimodal by default)."""
    from bimodal.portfolio.models import Mode
    from bimodal.portfolio.services import modes_apply_preset

    if not Mode.objects.exists():
        modes_apply_preset(preset=os.environ.get("BIMODAL_MODE_PRESET", "bimodal"))


class PortfolioConfig(AppConfig):
    """Configuration of the portfolio app."""

    name = "bimodal.portfolio"
    label = "portfolio"
    verbose_name = "Portfolio"

    def ready(self) -> None:
        from bimodal.core import hooks
        from bimodal.portfolio import selectors

        # The team pages in core count and list the services a user may see.
        hooks.visible_services.register(lambda user: selectors.service_list(user=user))
        post_migrate.connect(seed_modes, sender=self, dispatch_uid="bimodal.portfolio.seed_modes")
        # After the modes: the default questionnaire weighs the first and the last mode.
        post_migrate.connect(
            seed_questionnaire, sender=self, dispatch_uid="bimodal.portfolio.seed_questionnaire"
        )


def seed_questionnaire(sender, **kwargs) -> None:
    """post_migrate hook: a new database gets the default readiness questionnaire, published."""
    from bimodal.portfolio.models import Questionnaire
    from bimodal.portfolio.services import questionnaire_create_default

    if not Questionnaire.objects.exists():
        questionnaire_create_default()
