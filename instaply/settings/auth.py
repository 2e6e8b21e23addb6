"""Authentication: accounts, passwords, invitations, second factor, lockouts, idle sessions."""

import datetime as dt

from instaply import env

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
# Its admin pages would show the raw form data of failed sign-ins (the typed
# email); lockouts are lifted with `manage.py axes_reset_username` and the like.
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# Signed-in sessions end after this many seconds without a request.
SESSION_IDLE_TIMEOUT = env.integer("SESSION_IDLE_TIMEOUT", 30 * 60)
# Console sessions of platform staff end sooner (platform_staff/console.py).
PLATFORM_SESSION_IDLE_TIMEOUT = env.integer("PLATFORM_SESSION_IDLE_TIMEOUT", 15 * 60)
