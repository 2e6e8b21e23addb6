"""Settings of the gunicorn server that bench/audit_bench.py starts: the
platform's own, plus a switch that turns audit recording off per request."""

from instaply.settings import *  # noqa: F403

MIDDLEWARE = ["_audit_switch.AuditSwitch", *MIDDLEWARE]  # noqa: F405
