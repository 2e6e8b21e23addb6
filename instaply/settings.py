"""Instaply settings, read from the environment.

With no DATABASE_URL and no REDIS_URL the platform runs on its embedded default:
SQLite files under var/, Celery tasks in-process, a local-memory cache. With
DJANGO_ENV=production it refuses to start unless real services and keys are set.
See docs/configuration.md for every variable.
"""

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from instaply import env

BASE_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENT = env.current_environment()
PRODUCTION = ENVIRONMENT == "production"
VAR_DIR = Path(env.text("INSTAPLY_VAR_DIR") or BASE_DIR / "var")

production = env.ProductionRequirements()


def _development_secret(name: str) -> str:
    """A secret generated once per checkout under var/, never committed."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _valid_key_ring(value: str) -> bool:
    from privacy.keys import KeyRingError, parse_master_key_ring

    try:
        return bool(parse_master_key_ring(value))
    except KeyRingError:
        return False


SECRET_KEY = env.text("SECRET_KEY")
production.require(len(SECRET_KEY) >= 50, "SECRET_KEY (at least 50 random characters)")
if not SECRET_KEY and not PRODUCTION:
    SECRET_KEY = _development_secret("secret_key")

DEBUG = env.boolean("DEBUG", ENVIRONMENT == "development")
production.require(not DEBUG, "DEBUG must be off")
# The demo's landing page at / (`make run` serves it with DEBUG off, `make dev` with it on).
DEMO_LANDING = env.boolean("DEMO_LANDING", False)

PUBLIC_BASE_URL = env.text("PUBLIC_BASE_URL").rstrip("/")
production.require(
    PUBLIC_BASE_URL.startswith("https://"), "PUBLIC_BASE_URL (the https:// address users reach)"
)
if not PUBLIC_BASE_URL:
    PUBLIC_BASE_URL = "http://127.0.0.1:8000"

ALLOWED_HOSTS = env.listing(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
production.require(bool(ALLOWED_HOSTS), "ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.listing("CSRF_TRUSTED_ORIGINS", [PUBLIC_BASE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "instaply",
    "tenants",
    "conversations",
    "channels_sms",
    "privacy",
    "audit",
    "web",
]

MIDDLEWARE = [
    "instaply.middleware.RequestIdMiddleware",
    "instaply.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "instaply.security_headers.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # The person's own language and time zone, over the browser's.
    "web.preferences.PreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "instaply.session_idle.SessionIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a flagged lockout into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "instaply.urls"
WSGI_APPLICATION = "instaply.wsgi.application"
ASGI_APPLICATION = "instaply.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context.frame",
            ],
        },
    }
]

# Database: PostgreSQL through psycopg 3 and Django's native pool, or SQLite under var/.
DATABASE_URL = env.text("DATABASE_URL")
production.require(
    DATABASE_URL.startswith(("postgres://", "postgresql://")), "DATABASE_URL (a PostgreSQL URL)"
)
if DATABASE_URL:
    _default_db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
    if _default_db["ENGINE"] == "django.db.backends.postgresql":
        _default_db["OPTIONS"] = {
            "pool": {
                "min_size": env.integer("DATABASE_POOL_MIN", 2),
                "max_size": env.integer("DATABASE_POOL_MAX", 20),
                "timeout": 10,
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
DATABASES = {"default": _default_db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis is the cache (and rate-limit store) and the Celery broker when configured.
REDIS_URL = env.text("REDIS_URL")
production.require(REDIS_URL.startswith(("redis://", "rediss://")), "REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "instaply.cache.ReusingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.text("CACHE_KEY_PREFIX", "instaply"),
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
CELERY_BEAT_SCHEDULE: dict = {}

# Master key ring (issue 3 builds the key hierarchy on it).
INSTAPLY_MASTER_KEYS = env.text("INSTAPLY_MASTER_KEYS")
production.require(
    _valid_key_ring(INSTAPLY_MASTER_KEYS), "INSTAPLY_MASTER_KEYS (a valid master key ring)"
)
INSTAPLY_KEY_SOURCE = env.text("INSTAPLY_KEY_SOURCE", "privacy.keys.EnvironmentKeyRing")
# Unwrapped keys stay in process memory this long: bounds how long another
# process can still read a contact erased elsewhere.
ENCRYPTION_KEY_CACHE_SECONDS = env.integer("ENCRYPTION_KEY_CACHE_SECONDS", 300)
ENCRYPTION_KEY_CACHE_SIZE = env.integer("ENCRYPTION_KEY_CACHE_SIZE", 20000)

# Authentication.
AUTH_USER_MODEL = "tenants.User"
# Axes first: it refuses a locked-out account or IP before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
INVITATION_TTL_HOURS = env.integer("INVITATION_TTL_HOURS", 72)
PASSWORD_RESET_TIMEOUT = env.integer("PASSWORD_RESET_TIMEOUT", 3600)  # seconds a reset link works
API_TOKEN_TOUCH_SECONDS = 60  # last_used_at is written at most this often per token

# Two-factor authentication (django-otp): TOTP apps plus single-use recovery codes,
# required for owners, admins and privacy officers (see tenants.access).
OTP_TOTP_ISSUER = "Instaply"

# Failed sign-ins (web/login_security.py, docs/security.md): django-axes locks one account
# from one address; an account is slowed down from new addresses; spraying pauses an address.
AXES_FAILURE_LIMIT = env.integer("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.integer("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
LOGIN_ACCOUNT_DELAY_MAX_SECONDS = env.integer("LOGIN_ACCOUNT_DELAY_MAX_SECONDS", 60)
LOGIN_SPRAY_ACCOUNTS = env.integer("LOGIN_SPRAY_ACCOUNTS", 10)
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "web.login_security.axes_username"  # a keyed hash, not the email
AXES_CLIENT_IP_CALLABLE = "instaply.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "web.login_security.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True  # clears the failures of this account from this address only
# Attempts during a lockout are refused and not counted: hammering neither extends the
# lockout nor, through the per-account count, slows the account down elsewhere.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # the audit log records every sign-in
AXES_VERBOSE = False

# Signed-in sessions end after this many seconds without a request.
SESSION_IDLE_TIMEOUT = env.integer("SESSION_IDLE_TIMEOUT", 30 * 60)

# Rate limits (instaply/ratelimit.py): scope -> "count/period", period s, m, h or d
# ("5/15m" works). RATE_LIMITS="login=20/m,token_create=10/h" overrides some.
RATE_LIMITS = {
    "login": "20/m",  # sign-in POSTs per client IP
    "two_factor": "10/m",  # code entries per person
    "token_create": "20/h",  # API tokens created per person
    "invitation_accept": "10/m",  # invitation acceptances per client IP
    "password_reset": "10/h",  # password-reset requests per client IP
    "password_reset_account": "3/h",  # password-reset requests per typed email
    "widget_ip": "120/m",  # widget API requests per client IP
    "widget_session": "10/m",  # widget chats started per client IP
    "widget_visitor": "30/m",  # widget API requests per visitor
    # Signed SMS webhooks per number of ours (or provider account): far above any
    # carrier's rate, since a provider does not resend what we refuse.
    "sms_webhook": "6000/m",
    "sms_webhook_denied": "60/m",  # SMS webhooks with a bad signature, per client IP
}
for _scope, _, _rate in (item.partition("=") for item in env.listing("RATE_LIMITS", [])):
    RATE_LIMITS[_scope.strip()] = _rate.strip()
RATE_LIMIT_KEY_PREFIX = "ratelimit"

# Sessions and cookies.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.integer("SESSION_COOKIE_AGE", 12 * 3600)
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = PRODUCTION and env.boolean("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 63072000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "web.errors.csrf_failure"

# Requests: 1 MiB bodies at most (413 beyond, see instaply.middleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
MAX_REQUEST_BODY_BYTES = 1024 * 1024
# Reverse proxies of ours in front of Django (0: trust no X-Forwarded-For); see
# instaply/client_ip.py, used by the audit log, lockouts and rate limits alike.
TRUSTED_PROXY_COUNT = env.integer("TRUSTED_PROXY_COUNT", 0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "EXCEPTION_HANDLER": "instaply.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Instaply API",
    "DESCRIPTION": "Inbox, channels and privacy API of the Instaply platform.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_DIST": "SIDECAR",
}

# Internationalisation: English and French, UTC storage.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_BACKEND = env.text("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env.text("EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.text("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env.text("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env.boolean("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env.text("DEFAULT_FROM_EMAIL", "Instaply <no-reply@instaply.localhost>")

# Audit log and security alerts (docs/audit-log.md).
AUDIT_RETENTION_DAYS = env.integer("AUDIT_RETENTION_DAYS", 396)  # about 13 months
AUDIT_SEAL_INTERVAL_SECONDS = env.integer("AUDIT_SEAL_INTERVAL_SECONDS", 60)
# Longest time an event may wait between record() and its transaction's commit
# (long transactions, clock skew between hosts); sealing looks back this far.
AUDIT_SEAL_LOOKBACK_SECONDS = env.integer("AUDIT_SEAL_LOOKBACK_SECONDS", 3600)
AUDIT_SEAL_BATCH_SIZE = 1000
AUDIT_METADATA_MAX_BYTES = 4096


def _alert_threshold(name: str, default: tuple[int, int]) -> tuple[int, int]:
    """A rule threshold, "count/seconds" in the environment: (events, window)."""
    raw = env.text(name)
    if not raw:
        return default
    count, _, seconds = raw.partition("/")
    try:
        threshold = int(count), int(seconds)
    except ValueError:
        threshold = (0, 0)
    if min(threshold) < 1:
        raise ImproperlyConfigured(f"{name} must be 'count/seconds', e.g. '10/300'; got {raw!r}")
    return threshold


SECURITY_ALERT_FAILED_LOGINS = _alert_threshold("SECURITY_ALERT_FAILED_LOGINS", (10, 300))
SECURITY_ALERT_ACCESS_DENIALS = _alert_threshold("SECURITY_ALERT_ACCESS_DENIALS", (20, 300))
SECURITY_ALERT_EXPORTS = _alert_threshold("SECURITY_ALERT_EXPORTS", (5, 3600))
SECURITY_ALERT_NEW_LOGIN_IP_WINDOW = env.integer("SECURITY_ALERT_NEW_LOGIN_IP_WINDOW", 86400)
CELERY_BEAT_SCHEDULE["audit.seal_events"] = {
    "task": "audit.seal_events",
    "schedule": AUDIT_SEAL_INTERVAL_SECONDS,
}
CELERY_BEAT_SCHEDULE["audit.enforce_retention"] = {
    "task": "audit.enforce_retention",
    "schedule": 24 * 3600,
}
CELERY_BEAT_SCHEDULE["conversations.wake_snoozed"] = {
    "task": "conversations.wake_snoozed",
    "schedule": 60,
}

# SMS channels (channels_sms, docs/channels.md).
# The provider simulator (docs/simulator.md): in development and tests every
# SMS number, twilio and vonage ones included, sends there. Never in production.
SMS_SIMULATOR_URL = env.text("SMS_SIMULATOR_URL", "" if PRODUCTION else "http://127.0.0.1:8025")
SMS_SIMULATOR_URL = SMS_SIMULATOR_URL.rstrip("/")
production.require(not SMS_SIMULATOR_URL, "SMS_SIMULATOR_URL unset (no simulator in production)")
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "instaply.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "()": "instaply.logs.SingleLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The vonage SDK logs each request's data (numbers, text) at DEBUG.
        "vonage_http_client": {"level": "INFO"},
    },
}

if PRODUCTION:
    production.enforce()
