"""`bimodal assess FILE.csv [--output OUT.csv] [--save --user USERNAME]`: classify many services at once.

With --save the results are also recorded as assessments of the services whose slug is in the `service`
column (all or nothing); rows naming no existing service are classified but not recorded."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models.expressions import RawSQL
from tqdm import tqdm

from bimodal.core import db
from bimodal.core.management.files import read_text
from bimodal.core.models import User
from bimodal.portfolio import bulk, services
from bimodal.portfolio.choices import AssessmentSource
from bimodal.portfolio.models import Service
from bimodal.portfolio.selectors import current_questionnaire, scorer_for


class Command(BaseCommand):
    help = (
        "Classify services from a CSV file: a `service` column, one column per criterion key (answer values) "
        "and/or the attributes criticality, regulatory_tags, hosting, lifecycle. Writes the recommendation, "
        "scores, confidence and rationale as CSV. Any bad row: nothing is written, each error names its line."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", metavar="FILE.csv")
        parser.add_argument("--output", "-o", help="write the results here instead of standard output")
        parser.add_argument(
            "--save",
            action="store_true",
            help="also record the results as assessments of the services matched by slug (all or nothing)",
        )
        parser.add_argument(
            "--user", help="the user the saved assessments are recorded by (needed with --save)"
        )

    def handle(self, *args, file: str, output: str | None, save: bool = False, user=None, **options) -> None:
        actor = self._actor(user) if save else None
        text = read_text(file)
        questionnaire = current_questionnaire()
        if questionnaire is None:
            raise CommandError("No questionnaire is published.")
        scorer = scorer_for(questionnaire)
        rows, errors = bulk.read_csv(text, [c.key for c in scorer.criteria])
        if not errors:
            stream = getattr(self.stderr, "_out", self.stderr)
            with tqdm(total=len(rows), desc="Classifying", unit="service", file=stream, leave=False) as bar:
                try:
                    results, errors = bulk.classify(rows, progress=lambda done: bar.update(done - bar.n))
                except ValidationError as exc:
                    raise CommandError(" ".join(exc.messages)) from exc
        if errors:
            for error in errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(errors)} error(s) in {file}; nothing was classified.")
        if save:
            self._save(results, actor, file)
        csv_text = bulk.results_csv(results, list(scorer.modes))
        if output:
            Path(output).write_text(csv_text, encoding="utf-8")
            self.stderr.write(self.style.SUCCESS(f"Classified {len(results)} services into {output}."))
        else:
            self.stdout.write(csv_text, ending="")

    def _actor(self, username: str | None) -> User:
        if not username:
            raise CommandError("--save needs --user USERNAME: the person the assessments are recorded by.")
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user “{username}”.")
        return actor

    def _save(self, results: list[dict], actor: User, file: str) -> None:
        """Record the results of the rows naming an existing service; any refused row and none is."""
        slugs = sorted({r["id"] for r in results})
        # The slugs as one JSON parameter (100,000 placeholders pass no database's limit); only what the
        # assessments need of each service.
        matched = Service.objects.filter(slug__in=RawSQL(*db.json_texts(slugs))).only(
            "id", "slug", "name", "mode_id"
        )
        by_slug = {svc.slug: svc for svc in matched}
        rows, skipped = [], []
        for r in results:
            service = by_slug.get(r["id"])
            if service is None:
                skipped.append(r)
            else:
                rows.append((f"line {r['line']}, service {r['id']}", service, r["answers"]))
        try:
            saved = services.assessment_record_many(
                actor=actor,
                rows=rows,
                notes=f"Bulk assessment from {Path(file).name}",
                source=AssessmentSource.BULK,
            )
        except ValidationError as exc:
            for label, messages in exc.message_dict.items():
                for message in messages:
                    self.stderr.write(f"{label}: {message}")
            raise CommandError(
                f"{len(exc.message_dict)} row(s) could not be recorded; no assessment was saved."
            ) from exc
        except PermissionDenied as exc:
            raise CommandError(f"{exc} No assessment was saved.") from exc
        for r in skipped:
            self.stderr.write(
                f"line {r['line']}: no service with the slug “{r['id']}”; classified, not saved."
            )
        self.stderr.write(self.style.SUCCESS(f"Recorded {len(saved)} assessment(s) by {actor.username}."))
