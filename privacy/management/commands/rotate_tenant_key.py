from django.core.management.base import BaseCommand, CommandError

from privacy.services.keys import tenant_key_rotate
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Adds a new version of a tenant's key, re-wraps every data key under it and destroys "
        "the older versions. Resumable: a rerun finishes an interrupted rotation."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="Slug of the tenant.")

    def handle(self, *args, tenant: str, **options):
        found = Tenant.objects.filter(slug=tenant).first()
        if found is None:
            raise CommandError(f"No tenant with slug {tenant!r}.")
        self.stdout.write(f"Rotating the key of {found.name}...")
        version, moved = tenant_key_rotate(
            tenant_id=found.id,
            progress=lambda done, total: self.stdout.write(
                f"  {done}/{total} data keys re-wrapped"
            ),
        )
        self.stdout.write(
            self.style.SUCCESS(f"Done: {moved} data keys now under tenant key v{version}.")
        )
