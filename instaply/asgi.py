"""The web tier's application (gunicorn with uvicorn workers, see gunicorn_conf.py).

The events feed's waits are held in front of Django (conversations.live), so an
open inbox holds neither a thread nor a database connection while it waits.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instaply.settings")
django_application = get_asgi_application()

from django.urls import reverse  # noqa: E402  (after Django is set up)

from conversations.live import FeedHolder  # noqa: E402

application = FeedHolder(django_application, reverse("api:events"))
