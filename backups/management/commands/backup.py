"""``manage.py backup [--prune]``: one encrypted database backup and one key backup
under BACKUP_DIR (docs/operations.md, "Backups and restore")."""

from django.core.management.base import BaseCommand, CommandError

from backups.crypto import BackupCryptoError
from backups.postgres import PostgresToolError
from backups.services import backup_create, backups_prune


class Command(BaseCommand):
    help = (
        "Writes an encrypted, compressed backup of the database without its key tables, "
        "and a separate key backup, under BACKUP_DIR. --prune then deletes backups past "
        "their retention."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--prune", action="store_true", help="then delete backups past their retention"
        )
        parser.add_argument(
            "--prune-only", action="store_true", help="only delete backups past their retention"
        )

    def handle(self, *args, prune=False, prune_only=False, **options):
        if not prune_only:
            try:
                result = backup_create()
            except (BackupCryptoError, PostgresToolError) as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"Database backup: {result.database}")
            self.stdout.write(f"Key backup: {result.keys}")
        if prune or prune_only:
            removed = backups_prune()
            self.stdout.write(
                f"Pruned: {removed['database']} database backups, {removed['keys']} key backups."
            )
