"""Logs: one line per record, tagged with the request id, no personal data."""

from instaply import env

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
