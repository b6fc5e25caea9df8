"""`bimodal pipeline-token create --service SLUG [--service …] [--name NAME]` and `… revoke PREFIX`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bimodal.changes import services
from bimodal.changes.models import PipelineToken
from bimodal.portfolio.models import Service


class Command(BaseCommand):
    """Create a deployment-gate token for some services (the secret is printed once) or revoke one."""

    help = "Manage pipeline tokens for the deployment gate."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{create,list,revoke}")
        create = sub.add_parser("create", help="create a token for one or more services and print it")
        create.add_argument("--service", action="append", required=True, help="service slug (repeatable)")
        create.add_argument("--name", default="", help="a name for the pipeline (default: from the services)")
        sub.add_parser("list", help="list tokens (prefix, name, services, revoked)")
        revoke = sub.add_parser("revoke", help="revoke the token with this prefix")
        revoke.add_argument("prefix")

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "create":
            slugs = options["service"]
            found = {s.slug: s for s in Service.objects.filter(slug__in=slugs)}
            missing = [slug for slug in slugs if slug not in found]
            if missing:
                raise CommandError(f"No service {', '.join(missing)}.")
            name = options["name"] or f"{'-'.join(slugs)} pipeline"
            _, secret = services.pipeline_token_create(actor=None, name=name, services=list(found.values()))
            self.stdout.write(secret)
        elif subcommand == "list":
            for token in PipelineToken.objects.prefetch_related("services"):
                scope = ",".join(s.slug for s in token.services.all())
                state = "revoked" if token.revoked_at else "active"
                self.stdout.write(f"{token.prefix}\t{token.name}\t{scope}\t{state}")
        else:
            token = PipelineToken.objects.filter(prefix=options["prefix"]).first()
            if token is None:
                raise CommandError(f"No token with prefix {options['prefix']!r}.")
            services.pipeline_token_revoke(actor=None, token=token)
            self.stdout.write(self.style.SUCCESS(f"Token {token.prefix} revoked."))
