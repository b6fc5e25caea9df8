"""Service desk app: incidents, requests, problems, the request catalogue and SLA clocks."""

from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    """Configuration of the service desk app."""

    name = "bimodal.servicedesk"
    label = "servicedesk"
    verbose_name = "Service desk"
