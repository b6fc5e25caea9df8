"""Demo app: the demo organisation and the commands that load and serve it."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Configuration of the demo app."""

    name = "bimodal.demo"
    label = "demo"
    verbose_name = "Demo organisation"
