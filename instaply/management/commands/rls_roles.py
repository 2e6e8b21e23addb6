"""Creates the database roles row-level security relies on, and applies the policies.

Run by the tables' owner (who needs CREATEROLE) after ``migrate``:
``manage.py rls_roles --app-role instaply_app --password-env APP_DATABASE_PASSWORD``.
The application then connects as ``instaply_app`` (docs/tenant-scoping.md).
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from instaply import rls_schema


class Command(BaseCommand):
    help = "Creates the application and platform roles and applies the row-level security policies."

    def add_arguments(self, parser):
        parser.add_argument("--app-role", required=True, help="the role the application logs in as")
        parser.add_argument(
            "--password-env",
            help="name of the environment variable holding the application role's password",
        )

    def handle(self, *args, app_role, password_env=None, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "Row-level security needs PostgreSQL; SQLite keeps the application's scoping."
            )
        password = None
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"The environment variable {password_env} is empty.")
        with transaction.atomic(), connection.cursor() as cursor:
            rls_schema.create_roles(cursor, app_role=app_role, app_password=password)
        tables = rls_schema.apply_policies()
        if options["verbosity"]:
            self.stdout.write(
                f"roles: {app_role} (application), {rls_schema.platform_role()} (platform); "
                f"policies on {tables} tables"
            )
