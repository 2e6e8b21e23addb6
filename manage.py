#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instaply.settings")
    from django.core.management import execute_from_command_line

    from instaply import rls

    # A command run by an operator is platform work, in the database's terms
    # (a server or worker it starts scopes each request and task itself).
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    rls.set_process_default(rls.platform_scope(f"manage.py {command}"))
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
