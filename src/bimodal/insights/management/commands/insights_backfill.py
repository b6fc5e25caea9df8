"""`bimodal insights-backfill`: build the transition log for records that have none."""

from django.core.management.base import BaseCommand

from bimodal.insights.backfill import backfill
from bimodal.insights.services import dora_facts_refresh, transition_next_backfill


class Command(BaseCommand):
    help = (
        "Build the insights transition log from ticket timelines and the audit log (idempotent), "
        "and rebuild the DORA facts (commit lead times, incident attribution)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Delete the log and build it again (after changing the business calendar or TIME_ZONE).",
        )

    def handle(self, *args, rebuild=False, **options):
        counts = backfill(rebuild=rebuild)
        self.stdout.write(", ".join(f"{n} {name}" for name, n in counts.items()) + " transitions written.")
        transition_next_backfill()
        facts = dora_facts_refresh(full=True)
        self.stdout.write(
            f"DORA facts rebuilt: {facts['commits']} commit lead times, {facts['incidents']} incident attributions."
        )
