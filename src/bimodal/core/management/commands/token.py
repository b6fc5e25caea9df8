"""`bimodal token create|show|revoke USERNAME`: API tokens for machines (CI/CD pipelines, monitoring)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    """Create (or replace), show or revoke the API token of a user; the key is printed on stdout."""

    help = "Manage API tokens: create (replaces any existing key), show or revoke a user's token."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="{create,show,revoke}")
        for name, text in [
            ("create", "create a new token for the user (replacing any old one) and print its key"),
            ("show", "print the user's current token key"),
            ("revoke", "delete the user's token so that its key no longer authenticates"),
        ]:
            sub = subcommands.add_parser(name, help=text)
            sub.add_argument("username")

    def handle(self, *args: Any, subcommand: str, username: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        if subcommand == "create":
            if not user.is_active:
                raise CommandError(f"User {username!r} is inactive.")
            Token.objects.filter(user=user).delete()
            self.stdout.write(Token.objects.create(user=user).key)
        elif subcommand == "show":
            token = Token.objects.filter(user=user).first()
            if token is None:
                raise CommandError(f"User {username!r} has no token; run `bimodal token create {username}`.")
            self.stdout.write(token.key)
        else:
            deleted, _ = Token.objects.filter(user=user).delete()
            if not deleted:
                raise CommandError(f"User {username!r} has no token.")
            self.stdout.write(self.style.SUCCESS(f"Token of {username} revoked."))
