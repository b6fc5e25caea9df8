"""`bimodal export-services [-o FILE] [--mode KEY]`: write the service catalogue as CSV."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bimodal.portfolio.csvio import export_services
from bimodal.portfolio.models import Mode, Service


class Command(BaseCommand):
    help = "Write the service catalogue as CSV in the import format (to standard output, or -o FILE)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
        parser.add_argument("--mode", metavar="KEY", help="only the services of this mode (e.g. mode-1)")

    def handle(self, *args, output: str | None, mode: str | None, **options) -> None:
        services = Service.objects.order_by("name")
        if mode:
            selected = Mode.objects.filter(key=mode).first()
            if selected is None:
                keys = ", ".join(Mode.objects.order_by("order").values_list("key", flat=True))
                raise CommandError(f"No mode “{mode}”; the modes are: {keys}.")
            services = services.filter(mode=selected)
        text = export_services(services)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {services.count()} services to {output}.")
        else:
            self.stdout.write(text, ending="")
