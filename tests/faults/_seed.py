"""Run as a script by the fault suite: migrates the private databases as their
owner, creates the application role the processes connect as (row-level
security) and the tenants (bench/_load_world.World), then prints them as JSON.

    DATABASE_URL=<private> INSTAPLY_MASTER_KEYS=... python tests/faults/_seed.py BASE_URL APP_ROLE NAME...
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench._django import setup  # noqa: E402

setup()

from _load_world import World  # noqa: E402
from django.core.management import call_command  # noqa: E402

base, app_role, names = sys.argv[1], sys.argv[2], sys.argv[3:]
call_command("rls_roles", app_role=app_role, verbosity=0)
worlds = {}
for name in names:
    world = World.create(base, name)
    worlds[name] = {
        "tenant_id": str(world.tenant.pk),
        "account_ref": world.account.account_ref,
        "auth_token": world.account.auth_token,
        "number": world.number.number,
        "token": world.token,
    }
print(json.dumps(worlds))
