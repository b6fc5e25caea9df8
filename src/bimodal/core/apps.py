"""Core app: users, organisation, roles, object restriction and the audit log."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    """Configuration of the core app."""

    name = "bimodal.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from bimodal.core import hooks
        from bimodal.core.middleware import mark_renewed_at_login
        from bimodal.core.models import Team
        from bimodal.core.roles import sync_roles_after_migrate

        hooks.home_figures.register(
            "team",
            hooks.HomeFigure(
                label="team",
                plural="teams",
                icon="☷",
                permission="core.view_team",
                count=lambda user: Team.objects.restrict(user).count(),
                url_name="core:team_list",
            ),
        )

        user_logged_in.connect(mark_renewed_at_login, dispatch_uid="bimodal.core.session_renewed_at_login")

        # Role groups need the permissions that only exist after every app has migrated.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="bimodal.core.sync_roles")
