from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from channels_sms.simulator.runner import add_arguments, serve


class Command(BaseCommand):
    help = "Runs the Twilio/Vonage-compatible SMS simulator on loopback (docs/simulator.md)."

    def add_arguments(self, parser):
        add_arguments(parser)

    def handle(self, *args, host, port, status_delay_ms, accounts, cors_origin, **options):
        if settings.PRODUCTION:
            raise CommandError("The SMS simulator accepts any webhook URL; never in production.")
        serve(
            host=host,
            port=port,
            status_delay_ms=status_delay_ms,
            accounts=accounts,
            cors_origin=cors_origin,
            write=self.stdout.write,
        )
