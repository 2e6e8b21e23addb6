"""Instaply settings, read from the environment.

With no DATABASE_URL and no REDIS_URL the platform runs on its embedded default:
SQLite files under var/, Celery tasks in-process, a local-memory cache. With
DJANGO_ENV=production it refuses to start unless real services and keys are set.
See docs/configuration.md for every variable.

One module per concern; this one composes them, in the order production's
missing items are reported, then refuses to start if any is missing.
"""

# Imported in the order of that report.
# isort: skip_file

from instaply.settings.base import *  # noqa: F403
from instaply.settings.application import *  # noqa: F403
from instaply.settings.database import *  # noqa: F403
from instaply.settings.cache_and_celery import *  # noqa: F403
from instaply.settings.encryption import *  # noqa: F403
from instaply.settings.auth import *  # noqa: F403
from instaply.settings.security import *  # noqa: F403
from instaply.settings.api import *  # noqa: F403
from instaply.settings.email import *  # noqa: F403
from instaply.settings.audit import *  # noqa: F403
from instaply.settings.privacy import *  # noqa: F403
from instaply.settings.compliance import *  # noqa: F403
from instaply.settings.analytics import *  # noqa: F403
from instaply.settings.sms import *  # noqa: F403
from instaply.settings.attachments import *  # noqa: F403
from instaply.settings.logging import *  # noqa: F403
from instaply.settings.base import PRODUCTION, production

if PRODUCTION:
    production.enforce()
