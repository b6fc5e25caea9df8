"""Core app: users, organisation, roles, object restriction and the audit log."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    """Configuration of the core app."""

    name = "bimodal.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from bimodal.core.roles import sync_roles_after_migrate

        # Role groups need the permissions that only exist after every app has migrated.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="bimodal.core.sync_roles")
