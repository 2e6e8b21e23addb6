"""Redis is the cache (and rate-limit store) and the Celery broker when configured."""

from instaply import env
from instaply.settings.analytics import ANALYTICS_FLUSH_SECONDS, REPORTING_EXTRACT_SECONDS
from instaply.settings.audit import AUDIT_SEAL_INTERVAL_SECONDS
from instaply.settings.base import PRODUCTION, production

REDIS_URL = env.text("REDIS_URL")
production.require(REDIS_URL.startswith(("redis://", "rediss://")), "REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "instaply.cache.ReusingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.text("CACHE_KEY_PREFIX", "instaply"),
            # A Redis that hangs fails a cache call in seconds rather than holding
            # the request (and /readyz) forever.
            "OPTIONS": {
                "socket_connect_timeout": env.integer("REDIS_TIMEOUT_SECONDS", 2),
                "socket_timeout": env.integer("REDIS_TIMEOUT_SECONDS", 2),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env.text("CELERY_BROKER_URL") or REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not (env.text("CELERY_BROKER_URL") or REDIS_URL)
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT = "instaply.kombu_redis:Transport"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing fails fast (instaply/publish.py): a request that stored its work
# must not wait a minute on a broker that is down; the stored row stays pending
# and the sweeper publishes it again. One retry for a dropped idle connection,
# each try bounded by the connect and socket timeouts.
CELERY_PUBLISH_TIMEOUT_SECONDS = env.integer("CELERY_PUBLISH_TIMEOUT_SECONDS", 2)
CELERY_BROKER_CONNECTION_TIMEOUT = CELERY_PUBLISH_TIMEOUT_SECONDS
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": CELERY_PUBLISH_TIMEOUT_SECONDS,
        "socket_timeout": CELERY_PUBLISH_TIMEOUT_SECONDS * 5,
    }
# The sweeper (instaply/sweeper.py): work stored but still waiting this long is
# published again, at most SWEEP_BATCH rows per kind and run.
SWEEP_GRACE_SECONDS = env.integer("SWEEP_GRACE_SECONDS", 120)
SWEEP_BATCH = env.integer("SWEEP_BATCH", 500)
# Workers write a heartbeat in the cache (instaply/heartbeat.py); /readyz calls
# them down when the freshest is older than this.
WORKER_HEARTBEAT_SECONDS = env.integer("WORKER_HEARTBEAT_SECONDS", 30)
WORKER_STALE_SECONDS = env.integer("WORKER_STALE_SECONDS", 90)
CELERY_BEAT_SCHEDULE = {
    "audit.seal_events": {"task": "audit.seal_events", "schedule": AUDIT_SEAL_INTERVAL_SECONDS},
    "audit.enforce_retention": {"task": "audit.enforce_retention", "schedule": 24 * 3600},
    # Each tenant's retention (privacy/retention): one task per tenant, on the dsr queue.
    "retention.apply_all": {"task": "retention.apply_all", "schedule": 24 * 3600},
    # Staff login data past LOGIN_DATA_RETENTION_DAYS (analytics/login_data/retention.py).
    "login_data.purge": {"task": "login_data.purge", "schedule": 24 * 3600},
    "conversations.wake_snoozed": {"task": "conversations.wake_snoozed", "schedule": 60},
    "platform_staff.record_access_expiries": {
        "task": "platform_staff.record_access_expiries",
        "schedule": 300,
    },
    # Work stored but never handed to a worker is published again (instaply/sweeper.py).
    "reliability.sweep": {"task": "reliability.sweep", "schedule": 60},
    # Workers say they are alive; /readyz reads it (instaply/heartbeat.py).
    "reliability.heartbeat": {
        "task": "reliability.heartbeat",
        "schedule": WORKER_HEARTBEAT_SECONDS,
    },
    "privacy.delete_expired_packages": {
        "task": "privacy.delete_expired_packages",
        "schedule": 3600,
    },
    # Reminders at 50 % and 90 % of a request's 72 working hours: 10 minutes late at most.
    "privacy.dsr_remind": {"task": "privacy.dsr_remind", "schedule": 600},
    # Evidence packages of audit requests, deleted after their retention (compliance/audits).
    "compliance.delete_expired_audit_packages": {
        "task": "compliance.delete_expired_audit_packages",
        "schedule": 3600,
    },
    # Records of processing (compliance/records): refreshed on every change of an
    # input; daily for what no hook sees (registry dates, the audit chain).
    "compliance.refresh_all_records": {
        "task": "compliance.refresh_all_records",
        "schedule": 24 * 3600,
    },
    # Alerts to platform security at 12 h and 20 h for breach notices not sent yet.
    "breaches.alert_unsent_notices": {"task": "breaches.alert_unsent_notices", "schedule": 300},
    # Product analytics (analytics/sending.py): pending events leave in batches; sent
    # ones are kept ANALYTICS_SENT_KEEP_DAYS, past months' pseudonym secrets deleted.
    "analytics.flush_events": {
        "task": "analytics.flush_events",
        "schedule": ANALYTICS_FLUSH_SECONDS,
    },
    "analytics.purge_events": {"task": "analytics.purge_events", "schedule": 3600},
    # The identifiers-only reporting database, filled from its marks (analytics/reporting).
    "reporting.extract": {"task": "reporting.extract", "schedule": REPORTING_EXTRACT_SECONDS},
    # The tenants' report facts: missed events mended, old cycles pruned (reports/).
    "reports.reconcile": {"task": "reports.reconcile", "schedule": 3600},
    # Backups past their retention (backups/services.py); key backups after 7 days.
    "backups.prune": {"task": "backups.prune", "schedule": 24 * 3600},
}
# The embedded default (no broker) runs this schedule inside runserver's serving
# process (instaply/embedded_beat.py); production has a broker and celery beat.
EMBEDDED_BEAT = env.boolean("EMBEDDED_BEAT", True) and not PRODUCTION

# Long work that must not wait in front of the inbox's tasks (exports, erasures
# of data-subject requests, retention runs) has its own queue; the worker consumes
# it beside the default one (docker-compose.yml, Makefile).
# The default queue's name: a worker publishing follow-up work (an MMS's media
# fetched after its text landed) sends it there too.
CELERY_TASK_DEFAULT_QUEUE = env.text("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ROUTES = {
    "privacy.dsr.work.perform_request": {"queue": "dsr"},
    "retention.apply_tenant": {"queue": "dsr"},
    # Verifies the tenant's audit chain: long for a large tenant.
    "compliance.refresh_records": {"queue": "dsr"},
}
# /readyz waits this long at most for all its checks together (instaply/health.py).
READYZ_TIMEOUT_SECONDS = env.integer("READYZ_TIMEOUT_SECONDS", 3)
