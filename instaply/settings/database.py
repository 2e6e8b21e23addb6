"""Database: PostgreSQL through psycopg 3 and Django's native pool, or SQLite under var/."""

import os

import dj_database_url

from instaply import env
from instaply.settings.base import VAR_DIR, production

DATABASE_URL = env.text("DATABASE_URL")
# Row-level security on PostgreSQL (instaply/rls.py, docs/tenant-scoping.md): the
# role the application switches to for platform work, and an off switch for a
# database whose policies are not installed yet.
DATABASE_PLATFORM_ROLE = env.text("DATABASE_PLATFORM_ROLE", "instaply_platform")
DATABASE_RLS = env.boolean("DATABASE_RLS", True)
# The page queries compiled once per process (tenants/compiled.py) run as
# server-side prepared statements with generic plans (instaply/db/postgresql/base.py);
# off for a pooler in transaction mode that does not track prepared statements.
DATABASE_PREPARED_STATEMENTS = env.boolean("DATABASE_PREPARED_STATEMENTS", True)
# The role CI's test databases connect as (conftest.py): not the tables' owner.
DATABASE_TEST_APP_ROLE = env.text("DATABASE_TEST_APP_ROLE", "instaply_app")
production.require(
    DATABASE_URL.startswith(("postgres://", "postgresql://")), "DATABASE_URL (a PostgreSQL URL)"
)
if DATABASE_URL:
    _default_db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
    if _default_db["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend plus the row-level security scope of each statement (instaply/rls.py).
        _default_db["ENGINE"] = "instaply.db.postgresql"
        _default_db["RLS"] = DATABASE_RLS
        _default_db["PLATFORM_ROLE"] = DATABASE_PLATFORM_ROLE
        _default_db["PREPARED_STATEMENTS"] = DATABASE_PREPARED_STATEMENTS
        _default_db["OPTIONS"] = {
            "pool": {
                "min_size": env.integer("DATABASE_POOL_MIN", 2),
                "max_size": env.integer("DATABASE_POOL_MAX", 20),
                # How long a request waits for a connection (all busy, or the
                # server unreachable) before its 503 (instaply/api/errors.py).
                "timeout": env.integer("DATABASE_POOL_TIMEOUT_SECONDS", 10),
            }
        }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _default_db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "instaply.sqlite3",
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        # Tests use a file too, not SQLite's shared in-memory database: the live
        # server's threads and the browser then wait on locks instead of failing.
        # One per test process, so two runs in one checkout never share it.
        "TEST": {"NAME": VAR_DIR / f"test_instaply_{os.getpid()}.sqlite3"},
    }

# The identifiers-only reporting database (analytics/reporting, docs/reporting.md):
# production names its own PostgreSQL database, reached with its own role; on
# PostgreSQL without one, a database of the same server named <default>_reporting;
# on the embedded default, its own SQLite file.
REPORTING_DATABASE_URL = env.text("REPORTING_DATABASE_URL")
production.require(
    REPORTING_DATABASE_URL.startswith(("postgres://", "postgresql://"))
    and REPORTING_DATABASE_URL != DATABASE_URL,
    "REPORTING_DATABASE_URL (a PostgreSQL URL of a database other than DATABASE_URL's)",
)
if REPORTING_DATABASE_URL:
    _reporting_db = dj_database_url.parse(REPORTING_DATABASE_URL, conn_max_age=0)
elif _default_db["ENGINE"] == "instaply.db.postgresql":
    _reporting_db = {
        **{
            k: v
            for k, v in _default_db.items()
            if k not in ("OPTIONS", "TEST", "RLS", "PLATFORM_ROLE", "PREPARED_STATEMENTS")
        },
        "ENGINE": "django.db.backends.postgresql",
        "NAME": f"{_default_db['NAME']}_reporting",
    }
else:
    _reporting_db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "reporting.sqlite3",
        # IMMEDIATE: an extract batch and a forgetting take turns from their first
        # read, as their row locks make them do on PostgreSQL (analytics/reporting).
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        "TEST": {"NAME": VAR_DIR / f"test_reporting_{os.getpid()}.sqlite3"},
    }
DATABASES = {"default": _default_db, "reporting": _reporting_db}
DATABASE_ROUTERS = ["analytics.reporting.router.ReportingRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
