"""Suppliers app: suppliers and managed-service providers."""

from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    """Configuration of the suppliers app."""

    name = "bimodal.suppliers"
    label = "suppliers"
    verbose_name = "Suppliers"
