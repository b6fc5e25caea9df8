"""Insights app: DORA metrics, Mode 1 KPIs, value-stream heat maps, maturity assessment and dashboards."""

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Configuration of the insights app."""

    name = "bimodal.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from bimodal.core import transitions
        from bimodal.insights import selectors, services
        from bimodal.portfolio import hooks as portfolio_hooks

        # The apps below write to the transition log through core's hooks (docs/architecture.md).
        transitions.record_ticket.register(services.record_ticket)
        transitions.record_ticket_assigned.register(services.record_ticket_assigned)
        transitions.record_change.register(services.record_change)
        transitions.record_deployment.register(services.record_deployment)
        portfolio_hooks.delivery_evidence.register(selectors.delivery_evidence)
