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

# Lockouts (django-axes): failures counted per account and, separately, per client IP.
AXES_FAILURE_LIMIT = env.integer("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.integer("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "web.login_security.axes_username"  # a keyed hash, not the email
AXES_CLIENT_IP_CALLABLE = "instaply.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "web.login_security.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = False  # a valid login from one IP must not clear another's failures
AXES_DISABLE_ACCESS_LOG = True  # the audit log records every sign-in
AXES_VERBOSE = False

# Signed-in sessions end after this many seconds without a request.
SESSION_IDLE_TIMEOUT = env.integer("SESSION_IDLE_TIMEOUT", 30 * 60)
