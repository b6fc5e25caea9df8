"""Changes app: change records for both modes, CAB approval, windows and freezes, the deployment gate."""

from django.apps import AppConfig


class ChangesConfig(AppConfig):
    """Configuration of the changes app."""

    name = "bimodal.changes"
    label = "changes"
    verbose_name = "Changes & deployments"
