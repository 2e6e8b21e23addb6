"""Builds the report facts of conversations that have none yet (those from
before reports existed) and mends the others: the periodic reconciliation
over every conversation instead of the recent ones. Safe to run again."""

from django.core.management.base import BaseCommand, CommandError

from reports.reconcile import reconcile_tenant
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Builds or mends the report facts (conversation cycles) of existing conversations."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="Only this tenant (its slug).")

    def handle(self, *args, tenant=None, **options):
        tenants = Tenant.objects.order_by("id")
        if tenant:
            tenants = tenants.filter(slug=tenant)
            if not tenants.exists():
                raise CommandError(f"No tenant with the slug {tenant!r}.")
        total = 0
        for slug, tenant_id in tenants.values_list("slug", "id"):
            mended = reconcile_tenant(tenant_id=tenant_id, since=None)
            total += mended
            self.stdout.write(f"{slug}: {mended} conversations brought up to date")
        self.stdout.write(f"Done: {total} conversations brought up to date.")
