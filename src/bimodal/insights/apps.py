"""Insights app: DORA metrics, Mode 1 KPIs, value-stream heat maps, maturity assessment and dashboards."""

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Configuration of the insights app."""

    name = "bimodal.insights"
    label = "insights"
    verbose_name = "Insights"
