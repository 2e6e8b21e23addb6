"""Runs the reporting extract by hand, showing its progress (the beat task runs
it every REPORTING_EXTRACT_SECONDS)."""

from django.core.management.base import BaseCommand

from analytics.reporting.extract import BATCH, extract_rebuild, extract_run


class Command(BaseCommand):
    help = "Extract what settled since the marks into the reporting database."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=BATCH, help="Rows per batch.")
        parser.add_argument("--max-batches", type=int, help="Stop after this many batches.")
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Read everything again from the start (facts are upserted, never doubled).",
        )

    def handle(self, *args, batch, max_batches=None, rebuild=False, **options):
        if rebuild:
            extract_rebuild()

        def progress(mark: str, written: int, batches: int) -> None:
            self.stdout.write(f"{mark}: {written} facts written (batch {batches})")

        written = extract_run(batch=max(1, batch), max_batches=max_batches, progress=progress)
        summary = ", ".join(f"{mark} {count}" for mark, count in sorted(written.items()))
        self.stdout.write(self.style.SUCCESS(f"Done: {summary or 'nothing new'}."))
