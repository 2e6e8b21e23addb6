from django.core.management.base import BaseCommand
from django.db.models import Count

from channels_sms.models import InboundEvent, UnroutedEvent
from channels_sms.services.replay import events_replay


class Command(BaseCommand):
    help = (
        "SMS webhooks waiting for an operator: counts by state, the list (ids and states, "
        "never content), and --replay to route and queue them again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="List unrouted and failed events.")
        parser.add_argument("--replay", action="store_true", help="Route and queue them again.")

    def handle(self, *args, list: bool, replay: bool, **options):
        every = InboundEvent.objects.dangerously_unscoped(reason="an operator's platform view")
        states = every.values("state").annotate(n=Count("pk")).order_by("state")
        for row in states:
            self.stdout.write(f"{row['state']:10} {row['n']}")
        self.stdout.write(
            f"{'platform':10} {UnroutedEvent.objects.count()} (no tenant holds the number)"
        )
        if list:
            waiting = every.filter(
                state__in=[InboundEvent.State.UNROUTED, InboundEvent.State.FAILED]
            ).order_by("received_at")
            for event in waiting:
                self.stdout.write(
                    f"{event.pk} tenant={event.tenant_id} {event.provider} {event.kind} "
                    f"{event.state} {event.received_at:%Y-%m-%d %H:%M} {event.note}"
                )
            for row in UnroutedEvent.objects.order_by("received_at"):
                self.stdout.write(
                    f"{row.pk} platform {row.provider} {row.kind} account={row.account_ref} "
                    f"{row.received_at:%Y-%m-%d %H:%M}"
                )
        if replay:
            counts = events_replay()
            self.stdout.write(
                f"Queued {counts['queued']}; {counts['still_unrouted']} still have no number."
            )
