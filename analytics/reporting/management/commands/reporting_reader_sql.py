"""Prints (or with --apply runs) the SQL that creates the BI provider's
read-only role on the reporting database (analytics.reporting.reader_role)."""

import secrets

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from analytics.reporting.reader_role import reader_role_sql
from analytics.reporting.router import REPORTING_DB


class Command(BaseCommand):
    help = "SQL for a role that can connect to and read the reporting database only."

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, help="The role's name, e.g. bi_reader.")
        parser.add_argument(
            "--password", help="Its password (default: a new random one, printed once)."
        )
        parser.add_argument(
            "--apply",
            action="store_true",
            help="Run the statements on the reporting database instead of printing them.",
        )

    def handle(self, *args, role, password=None, apply=False, **options):
        main, reporting = connections["default"], connections[REPORTING_DB]
        if reporting.vendor != "postgresql" or main.vendor != "postgresql":
            raise CommandError("Roles exist on PostgreSQL only; the embedded default has none.")
        generated = password is None
        password = password or secrets.token_urlsafe(24)
        try:
            statements = reader_role_sql(
                role=role,
                password=password,
                main_db=main.settings_dict["NAME"],
                reporting_db=reporting.settings_dict["NAME"],
                app_role=main.settings_dict["USER"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        if not apply:
            self.stdout.write(";\n".join(statements) + ";")
            return
        with reporting.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(self.style.SUCCESS(f"Role {role} can read the reporting database."))
        if generated:
            self.stdout.write(f"Its password (shown once): {password}")
