"""`bimodal demo`: set up the demo organisation (Northbridge Bank) and serve it."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from bimodal.demo.data import DEMO_LOGINS, ORGANISATION
from bimodal.demo.loader import PresetConflict, demo_summary, load_demo
from bimodal.demo.modes import DEFAULT_PRESET
from bimodal.portfolio.presets import PRESETS

DEFAULT_ADDR = "127.0.0.1:8000"
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def _url(addr: str) -> str:
    """The address people type into a browser for `addr` (HOST:PORT or PORT)."""
    host, _, port = addr.rpartition(":")
    if not host:
        host = "127.0.0.1"
    if host in {"0.0.0.0", "::", "[::]"}:
        host = "127.0.0.1"
    return f"http://{host}:{port}/"


class Command(BaseCommand):
    help = (
        "Migrate the database, load the demo organisation (idempotent) and serve it on "
        f"http://{DEFAULT_ADDR}/. With --no-serve, only migrate, load and print a summary."
    )
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--addr", default=DEFAULT_ADDR, help=f"HOST:PORT to serve on (default {DEFAULT_ADDR})"
        )
        parser.add_argument(
            "--preset",
            default=DEFAULT_PRESET,
            choices=sorted(PRESETS),
            help=f"The modes to load the demo into (default {DEFAULT_PRESET}); services spread across them.",
        )
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="Only migrate and load the demo, print the summary and exit (for scripts and CI).",
        )

    def handle(self, *args, addr: str, no_serve: bool, preset: str = DEFAULT_PRESET, **options) -> None:
        port = addr.rpartition(":")[2]
        if not port.isdigit():
            raise CommandError(f"--addr must be HOST:PORT or PORT, not {addr!r}.")
        self._mail(_url(addr))
        self.stdout.write("Migrating the database …")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"Loading the demo organisation {ORGANISATION} ({preset} modes) …")
        try:
            result = load_demo(preset=preset)
        except PresetConflict as exc:
            raise CommandError(str(exc)) from exc
        if result.total:
            made = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(result.created.items()))
            self.stdout.write(f"Created {made}.")
        else:
            self.stdout.write("The demo was already loaded: nothing to add.")
        self._summary()
        self._logins(_url(addr))
        if no_serve:
            return
        self.stdout.write(self.style.SUCCESS(f"Serving on {_url(addr)} — press Ctrl-C to stop."))
        call_command("runserver", addr, use_reloader=False)

    def _mail(self, url: str) -> None:
        """Without a mail server configured, the demo's emails are written as files to read (not sent to
        an SMTP server on localhost that is not there), and their links point at the demo's address."""
        if "BIMODAL_BASE_URL" not in os.environ:
            settings.BIMODAL_BASE_URL = url.rstrip("/")
        if settings.EMAIL_BACKEND == SMTP_BACKEND and "EMAIL_HOST" not in os.environ:
            settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
            self.stdout.write(
                f"Emails are written to {settings.EMAIL_FILE_PATH}/ (set EMAIL_HOST to send them)."
            )

    def _summary(self) -> None:
        summary = demo_summary()
        modes = ", ".join(f"{name}: {n}" for name, n in summary["services_by_mode"])
        self.stdout.write(
            f"{summary['services']} services ({modes}), {summary['dependencies']} dependencies, "
            f"{summary['teams']} teams in {summary['org_units']} org units, "
            f"{summary['suppliers']} suppliers, {summary['users']} users."
        )

    def _logins(self, url: str) -> None:
        password = settings.BIMODAL_DEMO_PASSWORD
        rule = "=" * 100
        self.stdout.write("")
        self.stdout.write(rule)
        self.stdout.write(self.style.SUCCESS(f"  Bimodal demo — {ORGANISATION}"))
        self.stdout.write(
            f"  Open {url} and sign in as any of these users; the password of each is “{password}”."
        )
        self.stdout.write(rule)
        width_user = max(len("user"), *(len(u) for u, _, _ in DEMO_LOGINS))
        width_role = max(len("role"), *(len(r) for _, r, _ in DEMO_LOGINS))
        self.stdout.write(f"  {'user':<{width_user}}  {'role':<{width_role}}  what to try")
        self.stdout.write(f"  {'-' * width_user}  {'-' * width_role}  {'-' * 11}")
        for username, role, hint in DEMO_LOGINS:
            self.stdout.write(f"  {username:<{width_user}}  {role:<{width_role}}  {hint}")
        self.stdout.write(rule)
        self.stdout.write("")
