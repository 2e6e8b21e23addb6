"""SMS channels (channels_sms, docs/channels.md)."""

from django.core.exceptions import ImproperlyConfigured

from instaply import env
from instaply.settings.base import PRODUCTION, production

# The provider simulator (docs/simulator.md): in development and tests every
# SMS number, twilio and vonage ones included, sends there. Never in production.
SMS_SIMULATOR_URL = env.text("SMS_SIMULATOR_URL", "" if PRODUCTION else "http://127.0.0.1:8025")
SMS_SIMULATOR_URL = SMS_SIMULATOR_URL.rstrip("/")
production.require(not SMS_SIMULATOR_URL, "SMS_SIMULATOR_URL unset (no simulator in production)")
# The provider class of each kind (channels_sms.providers.provider_for). Outside
# production the simulator's stand-ins take their place: they send to
# SMS_SIMULATOR_URL while it is set, and add the "simulator" kind.
SMS_PROVIDERS = {
    "twilio": "channels_sms.providers.twilio.TwilioProvider",
    "vonage": "channels_sms.providers.vonage.VonageProvider",
}
if not PRODUCTION:
    SMS_PROVIDERS = {
        "twilio": "channels_sms.simulator.providers.SimulatedTwilioProvider",
        "vonage": "channels_sms.simulator.providers.SimulatedVonageProvider",
        "simulator": "channels_sms.simulator.providers.SimulatorProvider",
    }
# The platform's own provider accounts, for numbers Instaply holds on a tenant's
# behalf. A tenant's own account keeps its secrets encrypted in the database.
TWILIO_ACCOUNT_SID = env.text("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env.text("TWILIO_AUTH_TOKEN")
VONAGE_API_KEY = env.text("VONAGE_API_KEY")
VONAGE_API_SECRET = env.text("VONAGE_API_SECRET")
VONAGE_SIGNATURE_SECRET = env.text("VONAGE_SIGNATURE_SECRET")
VONAGE_SIGNATURE_METHOD = env.text("VONAGE_SIGNATURE_METHOD", "sha256")
if VONAGE_SIGNATURE_METHOD not in ("md5hash", "md5", "sha1", "sha256", "sha512"):
    raise ImproperlyConfigured(
        "VONAGE_SIGNATURE_METHOD must be md5hash, md5, sha1, sha256 or sha512; "
        f"got {VONAGE_SIGNATURE_METHOD!r}"
    )
SMS_MAX_SEGMENTS = env.integer("SMS_MAX_SEGMENTS", 10)
SMS_PROVIDER_TIMEOUT_SECONDS = env.integer("SMS_PROVIDER_TIMEOUT_SECONDS", 10)
# Transient send failures (timeouts, 429, 5xx) are retried with exponential
# backoff: base * 2^n seconds (with jitter), capped, up to this many attempts.
SMS_SEND_MAX_ATTEMPTS = env.integer("SMS_SEND_MAX_ATTEMPTS", 6)
SMS_SEND_BACKOFF_SECONDS = env.integer("SMS_SEND_BACKOFF_SECONDS", 10)
SMS_SEND_BACKOFF_MAX_SECONDS = env.integer("SMS_SEND_BACKOFF_MAX_SECONDS", 600)
# A send attempt still "calling" the provider after this long belongs to a run
# that died mid-call: the message is not sent again (channels_sms/services/outbound.py).
SMS_CALL_STALE_SECONDS = env.integer("SMS_CALL_STALE_SECONDS", 60)
# A provider whose sends failed transiently this many times in a row is reported
# degraded by /readyz until one goes through, or for this long after the last
# failure (channels_sms/provider_health.py).
SMS_PROVIDER_DEGRADED_FAILURES = env.integer("SMS_PROVIDER_DEGRADED_FAILURES", 5)
SMS_PROVIDER_DEGRADED_SECONDS = env.integer("SMS_PROVIDER_DEGRADED_SECONDS", 300)
SMS_PROVIDER_HEALTH_KEY_PREFIX = "sms-provider-failures"  # in the cache; tests use their own

# How long a webhook route stays in a process's book (channels_sms/services/routing.py)
# at most: changes are obeyed at once through the routes version in Redis; this
# bounds how long a change whose version bump failed (Redis down) can go unseen.
SMS_ROUTE_BOOK_MAX_AGE_SECONDS = env.integer("SMS_ROUTE_BOOK_MAX_AGE_SECONDS", 300)
# Twilio's webhooks served on the web tier's event loop (channels_sms/webhooks/intake.py)
# when PostgreSQL, Redis and the dispatcher are in use; what it cannot serve alike goes
# on to the view. Measured on a quiet machine (docs/scaling.md): 2.04 times the view's
# rate, p99 26 against 55 ms. `false` sends every webhook through the view.
SMS_WEBHOOK_INTAKE = env.boolean("SMS_WEBHOOK_INTAKE", True)

# How stored inbound deliveries reach processing (channels_sms/services/dispatch.py):
# "dispatcher": the stored row is the job; `manage.py inbound_dispatcher` processes
# (the compose file's dispatcher service) claim pending rows in batches, and the
# webhook publishes nothing. "publish": a Celery task per delivery after commit,
# which the embedded default runs in-process at once (no worker, no dispatcher).
SMS_INBOUND_DISPATCH = env.text("SMS_INBOUND_DISPATCH", "dispatcher" if PRODUCTION else "publish")
if SMS_INBOUND_DISPATCH not in ("dispatcher", "publish"):
    raise ImproperlyConfigured(
        f"SMS_INBOUND_DISPATCH must be dispatcher or publish; got {SMS_INBOUND_DISPATCH!r}"
    )
# Deliveries a dispatcher claims per transaction, and how long it sleeps when it
# found nothing to do (the delay of a text arriving on an idle platform).
SMS_INBOUND_BATCH = env.integer("SMS_INBOUND_BATCH", 200)
SMS_INBOUND_IDLE_MS = env.integer("SMS_INBOUND_IDLE_MS", 150)
