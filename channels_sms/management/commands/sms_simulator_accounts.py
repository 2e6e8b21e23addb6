import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from channels_sms.demo import simulator_accounts


class Command(BaseCommand):
    help = (
        "Writes every tenant's SMS provider accounts as the simulator's --accounts file, "
        "webhooks pointing at PUBLIC_BASE_URL (development only: it holds their secrets)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, required=True, help="File to write (0600).")

    def handle(self, *args, output: Path, **options):
        if settings.PRODUCTION:
            raise CommandError("This writes provider secrets to a file; never in production.")
        accounts = simulator_accounts()
        output.parent.mkdir(parents=True, exist_ok=True)
        output.touch(mode=0o600, exist_ok=True)
        output.chmod(0o600)
        output.write_text(json.dumps(accounts, indent=2))
        self.stdout.write(f"{len(accounts)} SMS provider account(s) written to {output}.")
