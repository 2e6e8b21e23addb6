import json
from base64 import b32decode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.oath import totp

from channels_sms.demo import DemoNumbersExhausted, demo_numbers_ensure
from compliance.records.snapshot import records_refresh
from compliance.selectors import latest_record_snapshot
from conversations.demo import demo_inbox_ensure
from platform_staff.demo import demo_platform_staff_ensure
from privacy.policies.demo import demo_policy_ensure
from tenants.demo import demo_tenant_ensure, demo_tokens_refresh

DEFAULT_TENANT = "Demo Bakery"


class Command(BaseCommand):
    help = (
        "Creates the demo tenant (idempotent): a shop and one member per role; "
        "and one platform person per platform role."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", default=DEFAULT_TENANT, help="Tenant name to seed.")
        parser.add_argument(
            "--json", action="store_true", help="Print slug, logins and fresh API tokens as JSON."
        )

    def handle(self, *args, tenant: str, json: bool, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates known logins; it never runs in production.")
        try:
            # One transaction: a tenant whose numbers cannot be found is not left half-made.
            with transaction.atomic():
                seeded = demo_tenant_ensure(name=tenant)
                seeded["phone_numbers"] = demo_numbers_ensure(
                    tenant=seeded["tenant"], shop=seeded["shop"]
                )
                seeded["widget"] = demo_inbox_ensure(shop=seeded["shop"])
                seeded["platform"] = demo_platform_staff_ensure()
                seeded["policy"] = demo_policy_ensure(dpo=seeded["platform"]["dpo"]["staff"])
        except DemoNumbersExhausted as exc:
            raise CommandError(f"Cannot seed {tenant!r}. {exc}") from None
        # Its records of processing, now rather than when a worker gets to it (a
        # second run writes nothing unless the seed changed something).
        records_refresh(seeded["tenant"].pk, now=timezone.now())
        if json:
            tokens = demo_tokens_refresh(people=seeded["people"])
            self.stdout.write(_as_json(seeded, tokens))
            return
        self.stdout.write(f"Demo tenant {seeded['tenant'].name!r} ready.")
        self.stdout.write(f"Open {settings.PUBLIC_BASE_URL}/ and sign in as:")
        for role, person in seeded["people"].items():
            self.stdout.write(f"  {role:8} {person['email']:38} {person['password']}")
        two_factor = {r: p for r, p in seeded["people"].items() if p.get("totp_secret")}
        if two_factor:
            self.stdout.write("Then a code: add a secret to an authenticator app, or run")
            self.stdout.write("`oathtool --totp -b SECRET`. Codes valid right now:")
            for role, person in two_factor.items():
                now = _current_code(person["totp_secret"])
                self.stdout.write(f"  {role:8} secret {person['totp_secret']}  code now {now}")
        self.stdout.write(f"SMS numbers of the shop (simulator: {settings.SMS_SIMULATOR_URL}):")
        for number in seeded["phone_numbers"]:
            self.stdout.write(f"  {number['provider']:9} {number['number']}")
        self.stdout.write(f"Website chat widget key: {seeded['widget'].public_key}")
        self.stdout.write(
            f"Privacy policy in force: version {seeded['policy'].version} "
            f"({settings.PUBLIC_BASE_URL}/privacy-policy/)"
        )
        records = latest_record_snapshot(seeded["tenant"])
        self.stdout.write(f"Records of processing: version {records.version if records else '-'}")
        self.stdout.write(f"Platform console: {settings.PUBLIC_BASE_URL}/platform/ (2FA always)")
        for role, person in seeded["platform"].items():
            self.stdout.write(
                f"  {role:8} {person['email']:38} {person['password']}  from {person['country']}"
            )
            if person["totp_secret"]:
                now = _current_code(person["totp_secret"])
                self.stdout.write(f"  {'':8} secret {person['totp_secret']}  code now {now}")


def _as_json(seeded: dict, tokens: dict) -> str:
    return json.dumps(
        {
            "tenant": seeded["tenant"].slug,
            "tenant_name": seeded["tenant"].name,
            "shop": str(seeded["shop"].id),
            # One number per provider, with the credentials to sign a webhook by hand.
            "phone_numbers": seeded["phone_numbers"],
            "widget_key": seeded["widget"].public_key,
            "base_url": settings.PUBLIC_BASE_URL,
            "logins": {
                role: {
                    "email": person["email"],
                    "password": person["password"],
                    "token": tokens[role],
                    "member_id": str(person["membership"].id),
                    # base32 TOTP secret when the role signs in with a second step
                    "totp_secret": person.get("totp_secret"),
                }
                for role, person in seeded["people"].items()
            },
            # One platform person per platform role; they sign in at /platform/.
            "platform": {
                role: {
                    "email": person["email"],
                    "password": person["password"],
                    "country": person["country"],
                    "totp_secret": person["totp_secret"],
                }
                for role, person in seeded["platform"].items()
            },
        },
        indent=2,
    )


def _current_code(secret: str) -> str:
    return f"{totp(b32decode(secret)):06d}"
