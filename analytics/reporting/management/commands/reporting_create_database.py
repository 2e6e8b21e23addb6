"""Creates the reporting database on its PostgreSQL server when it is missing
(deployments and ``make`` targets run it before ``migrate --database reporting``).
The embedded default's SQLite file is created by its first connection."""

from django.core.management.base import BaseCommand
from django.db import connections

from analytics.reporting.reader_role import _ident
from analytics.reporting.router import REPORTING_DB


class Command(BaseCommand):
    help = "Create the reporting database if it does not exist (PostgreSQL)."

    def handle(self, *args, **options):
        reporting = connections[REPORTING_DB]
        if reporting.vendor != "postgresql":
            return
        name = reporting.settings_dict["NAME"]
        # Asked through the main database's server connection: the reporting one
        # cannot connect before its database exists. Same server unless
        # REPORTING_DATABASE_URL names another, whose operator creates it.
        main = connections["default"]
        if (
            main.vendor != "postgresql"
            or main.settings_dict["HOST"] != reporting.settings_dict["HOST"]
        ):
            self.stdout.write("The reporting database lives on another server: not created here.")
            return
        with main.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return
            cursor.execute(f"CREATE DATABASE {_ident(name)}")
        self.stdout.write(self.style.SUCCESS(f"Created the reporting database {name}."))
