#!/usr/bin/env python
import os
import sys

# Commands that run no platform work of their own: they build or check the
# databases (before the audit log may exist), restore one (its audit chain comes
# back with it), or start a server that scopes each request and audits its own
# way in (inbound_dispatcher records one event per process start).
NOT_AUDITED = {
    "check",
    "collectstatic",
    "compilemessages",
    "help",
    "inbound_dispatcher",
    "makemessages",
    "makemigrations",
    "migrate",
    "reporting_create_database",
    "reporting_reader_sql",
    "restore",
    "rls_roles",
    "run_simulator",
    "runserver",
    "showmigrations",
    "sqlmigrate",
    "test",
    "version",
}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instaply.settings")
    import django
    from django.core.management import execute_from_command_line

    from instaply import rls

    # A command run by an operator is platform work, in the database's terms
    # (a server or worker it starts scopes each request and task itself).
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    reason = f"manage.py {command}"
    rls.set_process_default(rls.platform_scope(reason))
    if command not in NOT_AUDITED and not command.startswith("-"):
        django.setup()
        rls.record_bypass(reason)  # the way in is on record before the work starts
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
