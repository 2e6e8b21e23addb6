"""``manage.py restore BACKUP [--database-url URL]``: a database backup, the newest
key backup, and the erasure ledger replayed, into an empty database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups.postgres import PostgresToolError
from backups.restore import RestoreError, backup_restore
from backups.target import configured_target, target_from_url


class Command(BaseCommand):
    help = (
        "Restores a database backup (its directory or manifest.json) with the newest key "
        "backup beside it into an EMPTY database, then destroys again every data key the "
        "erasure ledger names. Verifies everything before writing anything."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="BACKUP_DIR/database/<time> or its manifest.json")
        parser.add_argument(
            "--database-url",
            help="the empty database to restore into (default: the configured one, "
            "BACKUP_DATABASE_URL or DATABASE_URL, which must be empty)",
        )
        parser.add_argument(
            "--ledger", help="the erasure ledger (default: ERASURE_LEDGER_PATH)", default=None
        )

    def handle(self, *args, backup, database_url=None, ledger=None, **options):
        try:
            target = target_from_url(database_url) if database_url else configured_target()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            result = backup_restore(
                backup=Path(backup), target=target, ledger=Path(ledger) if ledger else None
            )
        except (RestoreError, PostgresToolError) as exc:
            raise CommandError(f"Restore refused or failed: {exc}") from None
        self.stdout.write(f"Restored {result.database_set} into {target.describe()}")
        self.stdout.write(f"Keys from {result.key_set}: {result.keys_restored}")
        self.stdout.write(
            f"Erasure ledger replayed: {result.keys_destroyed_by_ledger} data keys destroyed again"
        )
        self.stdout.write(f"Rows per table match the manifest ({sum(result.rows.values())} rows).")
