"""Delivery app: demand intake, waterfall and agile initiatives, budget and capacity by mode."""

from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    """Configuration of the delivery app."""

    name = "bimodal.delivery"
    label = "delivery"
    verbose_name = "Delivery"

    def ready(self) -> None:
        from bimodal.delivery import handlers

        handlers.register()
