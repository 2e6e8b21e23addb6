"""Installed apps, middleware, URLs, templates, languages and static files."""

from instaply.settings.base import BASE_DIR, PRODUCTION, VAR_DIR

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before WhiteNoise: its runserver command, which starts the embedded beat, wins.
    "instaply",
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
    "tenants",
    "conversations",
    "channels_sms",
    "privacy",
    "privacy.dsr",
    "privacy.retention",
    "privacy.consent",
    "privacy.policies",
    "audit",
    "platform_staff",
    "breaches",
    "compliance",
    "analytics",
    "analytics.login_data",
    "analytics.reporting",
    "search",
    "reports",
    "notifications",
    "web",
    "saved_views",
    "backups",
    "attachments",
]

MIDDLEWARE = [
    "instaply.middleware.RowSecurityMiddleware",
    "instaply.middleware.RequestIdMiddleware",
    "instaply.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "instaply.security_headers.ContentSecurityPolicyMiddleware",
    # Provider webhooks are served here, past everything below (sessions, locale,
    # CSRF, auth, OTP, messages, idle timeout, login data, axes): none applies to them.
    "instaply.middleware.WebhookFrontMiddleware",
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
    # Login data (routes used, activity): after the idle timeout, whose minute mark it follows.
    "analytics.login_data.middleware.LoginDataMiddleware",
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
