"""Governance app: forums, decision rights and declarative (CEL) policies scoped by mode."""

from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """Configuration of the governance app."""

    name = "bimodal.governance"
    label = "governance"
    verbose_name = "Governance"
