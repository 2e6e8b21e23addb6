import gc
import signal

from django.core.management.base import BaseCommand

from channels_sms.services.dispatch import dispatch_forever


class Command(BaseCommand):
    help = (
        "Processes stored inbound SMS webhooks in batches until stopped (SIGTERM or "
        "SIGINT ends it after its current batch): channels_sms/services/dispatch.py."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=None, help="Deliveries per transaction.")
        parser.add_argument("--idle-ms", type=int, default=None, help="Sleep when idle.")

    def handle(self, *args, batch, idle_ms, **options):
        stopped = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stopped.append(True))
        # What start-up made (Django, the apps, their modules) lives as long as the
        # process: kept out of the collector's full passes, which a batch of
        # hundreds of rows otherwise triggers over all of it (as the web tier does,
        # instaply/gunicorn_conf.py).
        gc.freeze()
        self.stdout.write("inbound dispatcher ready", ending="\n")
        self.stdout.flush()
        dispatch_forever(stopping=lambda: bool(stopped), batch_size=batch, idle_ms=idle_ms)
