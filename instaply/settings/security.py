"""Rate limits, cookies, transport security headers, request sizes, trusted proxies."""

from instaply import env
from instaply.settings.base import PRODUCTION

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
    # Typing signals (ephemeral; the scripts send one every 3 s at most while typing).
    "widget_typing": "30/m",  # per widget visitor
    "inbox_typing": "30/m",  # per member, replying in a widget conversation
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
CSRF_FAILURE_VIEW = "instaply.api.errors.csrf_failure"  # JSON under /api/, a page elsewhere

# Requests: 1 MiB bodies at most (413 beyond, see instaply.middleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
MAX_REQUEST_BODY_BYTES = 1024 * 1024
# Reverse proxies of ours in front of Django (0: trust no X-Forwarded-For); see
# instaply/client_ip.py, used by the audit log, lockouts and rate limits alike.
TRUSTED_PROXY_COUNT = env.integer("TRUSTED_PROXY_COUNT", 0)
