"""`bimodal assess FILE.csv [--output OUT.csv]`: classify many services at once from answers and attributes."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from bimodal.portfolio import bulk
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

    def handle(self, *args, file: str, output: str | None, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file} is not UTF-8 text: {exc}") from exc
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
        csv_text = bulk.results_csv(results, list(scorer.modes))
        if output:
            Path(output).write_text(csv_text, encoding="utf-8")
            self.stderr.write(self.style.SUCCESS(f"Classified {len(results)} services into {output}."))
        else:
            self.stdout.write(csv_text, ending="")
