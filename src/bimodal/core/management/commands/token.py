"""`bimodal token create|list|revoke USERNAME`: people's and machine accounts' API tokens.

Only a hash of each key is stored: the key is printed once, by `create`, and cannot be shown again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bimodal.core import services
from bimodal.core.models import ApiToken


class Command(BaseCommand):
    """Create (printing the key once), list or revoke the API tokens of a user."""

    help = "Manage API tokens: create (the key is shown once), list, or revoke a user's tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{create,list,revoke,show}")
        create = sub.add_parser("create", help="create a token and print its key (shown this once)")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")
        expiry = create.add_mutually_exclusive_group()
        expiry.add_argument(
            "--days", type=int, help="valid for this many days (default BIMODAL_API_TOKEN_DAYS)"
        )
        expiry.add_argument("--no-expiry", action="store_true", help="never expires (until revoked)")
        create.add_argument("--replace", action="store_true", help="revoke the user's other tokens first")
        listing = sub.add_parser("list", help="the user's tokens: prefix, name, expiry, last use, state")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="revoke a token (--prefix) or all of the user's tokens")
        revoke.add_argument("username")
        revoke.add_argument("--prefix", help="the token's prefix (from `list`); default: all tokens")
        show = sub.add_parser("show", help="(removed) keys are stored hashed and cannot be shown again")
        show.add_argument("username")

    def handle(self, *args: Any, subcommand: str, username: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        if subcommand == "show":
            raise CommandError(
                "API keys are stored hashed and cannot be shown again: "
                f"`bimodal token create {username} --replace` issues a new one."
            )
        tokens = ApiToken.objects.filter(user=user)
        if subcommand == "list":
            self._list(tokens)
            return
        live = tokens.filter(revoked_at__isnull=True)
        if subcommand == "revoke":
            if options["prefix"]:
                live = live.filter(prefix=options["prefix"])
            revoked = [
                services.api_token_revoke(token=t, actor=None, reason="bimodal token revoke") for t in live
            ]
            if not revoked:
                raise CommandError(f"User {username!r} has no such live token.")
            self.stdout.write(self.style.SUCCESS(f"{len(revoked)} token(s) of {username} revoked."))
            return
        if options["replace"]:
            for token in live:
                services.api_token_revoke(token=token, actor=None, reason="replaced")
        expires: Any = services.UNSET
        if options["no_expiry"]:
            expires = None
        elif options["days"] is not None:
            if options["days"] < 1:
                raise CommandError("--days must be at least 1.")
            expires = timezone.now() + timedelta(days=options["days"])
        try:
            _, key = services.api_token_create(
                user=user, actor=None, name=options["name"], expires_at=expires
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(key)

    def _list(self, tokens: Any) -> None:
        now = timezone.now()
        for t in tokens:
            state = "revoked" if t.revoked_at else ("expired" if not t.is_valid(now) else "valid")
            expires = t.expires_at.date().isoformat() if t.expires_at else "never"
            used = t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never"
            self.stdout.write(f"{t.prefix}  {state:<8} expires {expires:<10} last used {used:<16} {t.name}")
