from django.core.management.base import BaseCommand
from django.db.models import Count

from channels_sms.models import UnroutedDelivery, WebhookDelivery
from channels_sms.services.replay import deliveries_replay


class Command(BaseCommand):
    help = (
        "SMS webhooks waiting for an operator: counts by state, the list (ids and states, "
        "never content), and --replay to route and queue them again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--list", action="store_true", help="List unrouted and failed deliveries."
        )
        parser.add_argument("--replay", action="store_true", help="Route and queue them again.")

    def handle(self, *args, list: bool, replay: bool, **options):
        every = WebhookDelivery.objects.dangerously_unscoped(reason="an operator's platform view")
        states = every.values("state").annotate(n=Count("pk")).order_by("state")
        for row in states:
            self.stdout.write(f"{row['state']:10} {row['n']}")
        self.stdout.write(
            f"{'platform':10} {UnroutedDelivery.objects.count()} (no tenant holds the number)"
        )
        if list:
            waiting = every.filter(
                state__in=[WebhookDelivery.State.UNROUTED, WebhookDelivery.State.FAILED]
            ).order_by("received_at")
            for row in waiting:
                self.stdout.write(
                    f"{row.pk} tenant={row.tenant_id} {row.provider} {row.kind} "
                    f"{row.state} {row.received_at:%Y-%m-%d %H:%M} {row.note}"
                )
            for row in UnroutedDelivery.objects.order_by("received_at"):
                self.stdout.write(
                    f"{row.pk} platform {row.provider} {row.kind} account={row.account_ref} "
                    f"{row.received_at:%Y-%m-%d %H:%M}"
                )
        if replay:
            counts = deliveries_replay()
            self.stdout.write(
                f"Queued {counts['queued']}; {counts['still_unrouted']} still have no number."
            )
