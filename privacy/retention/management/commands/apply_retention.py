from django.core.management.base import BaseCommand, CommandError

from privacy.retention.run import HELD, KINDS, retention_apply
from tenants.models import Tenant

LABELS = {
    "conversations": "conversations",
    "messages": "messages",
    "contacts": "contacts crypto-shredded",
    "webhook_deliveries": "SMS webhook deliveries",
    "concatenated_parts": "waiting parts of long texts",
    "send_attempts": "send attempts",
    "visitor_sessions": "widget visitor sessions",
}


class Command(BaseCommand):
    help = (
        "Applies a tenant's retention now, as the daily task does: deletes what has "
        "outlived it, in batches, printing progress. --dry-run prints what would go."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--tenant", help="Slug of the tenant.")
        which.add_argument("--all", action="store_true", help="Every tenant, one after another.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help="Rows per transaction (default: RETENTION_BATCH_SIZE).",
        )

    def handle(
        self,
        *args,
        tenant: str | None,
        all: bool,
        dry_run: bool,
        batch_size: int | None,
        **options,
    ):
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        self.batch_size = batch_size
        if all:
            tenants = list(Tenant.objects.order_by("slug"))
        else:
            found = Tenant.objects.filter(slug=tenant).first()
            if found is None:
                raise CommandError(f"No tenant with slug {tenant!r}.")
            tenants = [found]
        for one in tenants:
            self._run(one, dry_run=dry_run)

    def _run(self, tenant: Tenant, *, dry_run: bool) -> None:
        if dry_run:
            self.stdout.write(f"Retention of {tenant.slug} (dry run): the next run would delete")
            counts = retention_apply(tenant, dry_run=True)
        else:
            self.stdout.write(f"Applying the retention of {tenant.slug}...")
            counts = retention_apply(tenant, batch_size=self.batch_size, progress=self._progress)
            self.stdout.write(self.style.SUCCESS("Done. Deleted:"))
        width = max(len(label) for label in LABELS.values())
        for kind in KINDS:
            self.stdout.write(f"  {LABELS[kind]:<{width}}  {counts[kind]:>9,}")
        self.stdout.write(f"Kept under a legal hold: {counts[HELD]:,} conversations.")

    def _progress(self, kind: str, done: int, total: int) -> None:
        self.stdout.write(f"  {LABELS[kind]}: {done:,}/{total:,}")
