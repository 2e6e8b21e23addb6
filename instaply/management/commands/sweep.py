"""Runs the sweeper once, by hand: ``manage.py sweep [--grace SECONDS] [--batch N]``."""

from django.core.management.base import BaseCommand

from instaply.sweeper import sweep


class Command(BaseCommand):
    help = "Publishes again the work stored but still waiting for a worker (instaply/sweeper.py)."

    def add_arguments(self, parser):
        parser.add_argument("--grace", type=int, help="seconds waited (SWEEP_GRACE_SECONDS)")
        parser.add_argument("--batch", type=int, help="rows at most per rule (SWEEP_BATCH)")

    def handle(self, *args, grace=None, batch=None, **options):
        counts = sweep(grace_seconds=grace, batch=batch)
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count}")
