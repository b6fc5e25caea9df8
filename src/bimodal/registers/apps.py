"""Registers app: low-code apps, AI use cases and cloud accounts, each with risk scoring and controls."""

from django.apps import AppConfig


class RegistersConfig(AppConfig):
    """Configuration of the registers app."""

    name = "bimodal.registers"
    label = "registers"
    verbose_name = "Registers"
