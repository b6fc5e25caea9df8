"""Service desk app: incidents, requests, problems, the request catalogue and SLA clocks."""

from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    """Configuration of the service desk app."""

    name = "bimodal.servicedesk"
    label = "servicedesk"
    verbose_name = "Service desk"

    def ready(self) -> None:
        from bimodal.core import hooks as core_hooks
        from bimodal.portfolio import hooks as portfolio_hooks
        from bimodal.servicedesk import defaults, selectors

        portfolio_hooks.mode_sla_definitions.register(selectors.mode_sla_definitions)
        # A new organisation gets each mode's SLA profile as definitions scoped to the mode.
        core_hooks.default_data.register("servicedesk.sla", defaults.apply_sla_defaults)
