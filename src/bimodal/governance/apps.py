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
        from bimodal.core import hooks as core_hooks
        from bimodal.governance import defaults, registry, selectors, services
        from bimodal.portfolio import hooks as portfolio_hooks
        from bimodal.portfolio import services as portfolio_services

        # A reclassification proposal is decided here: the portfolio calls up through its hooks.
        portfolio_hooks.decision_request_open.register(services.decision_request_open)
        portfolio_hooks.latest_decision_for.register(selectors.latest_decision_for)
        portfolio_hooks.may_decide.register(services.may_decide)
        portfolio_hooks.decision_record.register(services.decision_record)
        # A new organisation gets the rules for every mode and each mode's generated policies.
        core_hooks.default_data.register("governance.policies", defaults.apply_default_policies)
        # A mode's profile acts through the policies generated from it.
        portfolio_hooks.mode_profile_changed.register(services.profile_policies_apply)
        portfolio_hooks.mode_profile_preview.register(services.profile_policies_preview)
        portfolio_hooks.mode_governance.register(selectors.mode_governance)
        portfolio_hooks.mode_try.register(selectors.mode_try)
        registry.register_decision_handler(
            portfolio_services.RECLASSIFY_SERVICE, portfolio_services.on_reclassification_decided
        )
        post_migrate.connect(
            seed_decision_types, sender=self, dispatch_uid="bimodal.governance.seed_decision_types"
        )
