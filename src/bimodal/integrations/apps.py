"""Integrations app: inbound CI/CD webhooks (GitHub, GitLab), repositories mapped to services, deployment history."""

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Configuration of the integrations app."""

    name = "bimodal.integrations"
    label = "integrations"
    verbose_name = "Integrations"
