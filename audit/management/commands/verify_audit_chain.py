"""Verifies the audit hash chain: exit 0 when intact, non-zero naming the first
broken link otherwise."""

from django.core.management.base import BaseCommand, CommandError

from audit.verification import verify_chain, verify_tenant_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain (or one tenant's chain with --tenant)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG", help="Verify one tenant's chain only.")

    def handle(self, *args, tenant=None, **options):
        if tenant:
            from tenants.models import Tenant

            found = Tenant.objects.filter(slug=tenant).first()
            if found is None:
                raise CommandError(f"No tenant with slug {tenant!r}.")
            verdict, what = verify_tenant_chain(found), f"tenant {found.slug}'s audit chain"
        else:
            verdict, what = verify_chain(), "audit chain"

        if not verdict.intact:
            where = f"seq {verdict.broken_seq}" if verdict.broken_seq is not None else "its head"
            event = f", event {verdict.broken_event}" if verdict.broken_event else ""
            raise CommandError(f"The {what} is broken at {where}{event}: {verdict.reason}.")

        for note in verdict.notes:
            self.stdout.write(f"Note: {note}.")
        if verdict.seals:
            span = f"seq {verdict.first_seq}..{verdict.last_seq}, head {verdict.head_hash}"
        else:
            span = "no seals yet"
        self.stdout.write(
            self.style.SUCCESS(
                f"The {what} is intact: {_count(verdict.seals, 'seal')} "
                f"({_count(verdict.events, 'event')}, "
                f"{_count(verdict.checkpoints, 'checkpoint')}; {span}); "
                f"{_count(verdict.pending, 'event')} awaiting sealing."
            )
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
