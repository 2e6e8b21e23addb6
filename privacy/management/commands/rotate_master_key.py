from django.core.management.base import BaseCommand

from privacy.keys import master_key_source
from privacy.services.keys import master_key_rotate


class Command(BaseCommand):
    help = (
        "Re-wraps every tenant key under the active (first) master key of INSTAPLY_MASTER_KEYS. "
        "Resumable; afterwards older master keys can be removed from the ring."
    )

    def handle(self, *args, **options):
        active = master_key_source().active_version
        self.stdout.write(f"Re-wrapping tenant keys under master key v{active}...")
        moved = master_key_rotate(
            progress=lambda done, total: self.stdout.write(
                f"  {done}/{total} tenant keys re-wrapped"
            )
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {moved} tenant keys moved; all are under master key v{active}."
            )
        )
