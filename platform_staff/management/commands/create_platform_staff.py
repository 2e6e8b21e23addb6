from django.core.management.base import BaseCommand, CommandError

from instaply.errors import DomainError
from platform_staff.enrolment import enrolment_link
from platform_staff.selectors.staff import platform_staff_get
from platform_staff.services.staff import platform_staff_create


class Command(BaseCommand):
    help = (
        "Creates a platform person (support, dpo, security) and prints their one-time "
        "enrolment link, where they choose a password and set up their authenticator."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--roles", default="", help="Comma-separated: support, dpo, security (at least one)."
        )
        parser.add_argument(
            "--country", default="", help="ISO 3166-1 alpha-2 code of where they work (FR, US)."
        )
        parser.add_argument("--name", default="", help="Full name.")
        parser.add_argument(
            "--new-link",
            action="store_true",
            help="A fresh enrolment link for a person who has not enrolled yet.",
        )

    def handle(self, *args, email, roles, country, name, new_link, **options):
        if new_link:
            staff = platform_staff_get(email=email)
            if staff is None or not staff.is_active:
                raise CommandError(f"{email} is not active platform staff.")
            if staff.user.has_usable_password():
                raise CommandError(f"{email} has already enrolled; an enrolment link is only once.")
        else:
            try:
                staff = platform_staff_create(
                    email=email, roles=roles.split(","), country=country, full_name=name
                )
            except DomainError as exc:
                details = " ".join(
                    p
                    for problems in (exc.fields or {}).values()
                    for p in problems
                    if p not in exc.message
                )
                raise CommandError(f"{exc.message} {details}".strip()) from None
            transfer = " (outside the EU: a transfer)" if staff.transfer else ""
            self.stdout.write(
                f"Platform person {staff.user.email} created: {', '.join(staff.roles)}; "
                f"works from {staff.country}{transfer}."
            )
        self.stdout.write("One-time enrolment link (give it to them over a trusted channel):")
        self.stdout.write(f"  {enrolment_link(staff.user)}")
