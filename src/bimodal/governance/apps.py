"""Governance app: forums and meetings, decision rights and routing, declarative (CEL) policies."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def seed_decision_types(sender, **kwargs) -> None:
    """post_migrate hook: a new database gets the built-in decision types."""
    from bimodal.governance.services import decision_types_ensure

    decision_types_ensure()


class GovernanceConfig(AppConfig):
    """Configuration of the governance app."""

    name = "bimodal.governance"
    label = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        post_migrate.connect(
            seed_decision_types, sender=self, dispatch_uid="bimodal.governance.seed_decision_types"
        )
