"""`bimodal setup`: create (or bring up to date) a database with the chosen mode preset and an administrator."""

from __future__ import annotations

import os
import secrets

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db.models import ProtectedError

from bimodal.core import audit, hooks
from bimodal.core.choices import AuditAction
from bimodal.core.models import User
from bimodal.core.roles import Role
from bimodal.core.services import delete_audited, write
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio.models import Mode, Service
from bimodal.portfolio.presets import PRESETS
from bimodal.portfolio.services import modes_apply_preset


class Command(BaseCommand):
    help = (
        "Migrate the database and seed the modes of a preset (bimodal, trimodal or pace-layered); "
        "optionally create an administrator with a generated password."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--preset",
            choices=list(PRESETS),
            default=None,
            help="mode preset of a new database (default: $BIMODAL_MODE_PRESET or bimodal)",
        )
        parser.add_argument("--admin", metavar="USERNAME", help="create this superuser (password printed)")
        parser.add_argument("--email", default="", help="e-mail address of the --admin user")

    def handle(self, *args, preset: str | None, admin: str | None, email: str, **options) -> None:
        chosen = preset or os.environ.get("BIMODAL_MODE_PRESET", "bimodal")
        if chosen not in PRESETS:
            raise CommandError(f"Unknown preset {chosen!r}; choose one of {', '.join(PRESETS)}.")
        self.stdout.write("Migrating the database …")
        # The post_migrate hook of the portfolio app seeds a new database with this preset.
        previous = os.environ.get("BIMODAL_MODE_PRESET")
        os.environ["BIMODAL_MODE_PRESET"] = chosen
        try:
            call_command("migrate", interactive=False, verbosity=0)
        finally:
            if previous is None:
                os.environ.pop("BIMODAL_MODE_PRESET", None)
            else:
                os.environ["BIMODAL_MODE_PRESET"] = previous
        if preset:
            self._apply_preset(preset)
        else:
            names = ", ".join(str(m) for m in Mode.objects.order_by("order"))
            self.stdout.write(f"Modes: {names}.")
        if admin:
            self._create_admin(admin, email)
        self._apply_default_data(admin)

    def _apply_default_data(self, admin: str | None) -> None:
        """The defaults that an administrator writes (the default and the modes' generated policies), with
        the --admin user or else the first active superuser; said so when there is none yet."""
        actor = User.objects.filter(is_superuser=True, is_active=True)
        actor = actor.filter(username=admin) if admin else actor.order_by("pk")
        user = actor.first()
        if user is None:
            self.stdout.write(
                "Default policies: none yet — run `bimodal setup --admin USERNAME` to create an administrator, "
                "who writes them."
            )
            return
        with write():
            written = {key: apply(actor=user) for key, apply in hooks.default_data.items()}
        done = ", ".join(f"{key}: {count} written" for key, count in written.items()) or "nothing to write"
        self.stdout.write(f"Defaults (as {user.username}): {done}.")

    def _apply_preset(self, preset: str) -> None:
        """Make the modes those of `preset`; once services exist the modes can only change by reclassification."""
        wanted = [spec["key"] for spec in PRESETS[preset]]
        current = list(Mode.objects.order_by("order").values_list("key", flat=True))
        if sorted(current) == sorted(wanted):
            names = ", ".join(str(m) for m in Mode.objects.order_by("order"))
            self.stdout.write(f"Modes ({preset}): {names}.")
            return
        if Service.objects.exists():
            raise CommandError(
                f"The database already has services in the modes {', '.join(current)}; "
                f"the {preset} preset can only be chosen for a database without services."
            )
        try:
            with write():
                for mode in Mode.objects.exclude(key__in=wanted):
                    delete_audited(
                        mode, actor=None, reason=f"setup with the {preset} preset", verb=AuditVerb.MODE_DELETE
                    )
                modes = modes_apply_preset(preset=preset)
        except ProtectedError as exc:
            raise CommandError(f"Cannot replace the modes: {exc.args[0]}") from exc
        self.stdout.write(f"Modes ({preset}): {', '.join(str(m) for m in modes)}.")

    def _create_admin(self, username: str, email: str) -> None:
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"User “{username}” already exists; left unchanged.")
            return
        password = secrets.token_urlsafe(12)
        with write():
            user = User(username=username, email=email, is_staff=True, is_superuser=True)
            user.set_password(password)
            user.full_clean(exclude=["password"])
            user.save()
            user.groups.add(Group.objects.get(name=Role.ADMINISTRATOR.value))
            audit.record(
                actor=None,
                action=AuditAction.CREATE,
                obj=user,
                after={
                    "username": user.username,
                    "email": user.email,
                    "is_staff": True,
                    "is_superuser": True,
                    "groups": [Role.ADMINISTRATOR.value],
                },
                reason="bimodal setup --admin",
                verb=AuditVerb.USER_CREATE,
            )
        self.stdout.write(self.style.SUCCESS(f"Created administrator “{username}” with password: {password}"))
        self.stdout.write("Keep it safe and change it after the first sign-in; it is not shown again.")
