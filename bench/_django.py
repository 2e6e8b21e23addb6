"""Django set-up shared by the benchmark scripts (run them from the repository root)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instaply.settings")
    # As deployed: with DEBUG on, Django keeps every query in memory.
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    migrate_both()


def migrate_both() -> None:
    """The main database, then the reporting one (created on PostgreSQL when missing)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("reporting_create_database", verbosity=0)
    call_command("migrate", database="reporting", verbosity=0)


def stats(samples: list[float]) -> tuple[float, float]:
    """(median, p95) of a list of durations."""
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
