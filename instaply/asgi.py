"""The web tier's application (gunicorn with uvicorn workers, see gunicorn_conf.py).

Two ways through one process, chosen by path (docs/scaling.md has the figures):

* the events feed goes through Django's ASGI handler, its waits held in front of
  it (conversations.live), so an open inbox holds neither a thread nor a
  database connection while it waits;
* with SMS_WEBHOOK_INTAKE on (the default in production), Twilio's SMS
  webhooks whose route the process has are served on the event loop itself
  (channels_sms.webhooks.intake), with async PostgreSQL and Redis and no
  thread; what it cannot serve alike goes on to Django;
* everything else goes through Django's WSGI handler on a pool of WEB_THREADS
  threads (a2wsgi): a sync view then runs in one thread from first middleware
  to last, as under gthread, rather than hopping between the event loop and a
  thread of its own at every sync middleware as Django does under ASGI.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instaply.settings")
django_asgi = get_asgi_application()

from a2wsgi import WSGIMiddleware  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import reverse  # noqa: E402  (after Django is set up)

from channels_sms.webhooks.intake import WebhookIntake  # noqa: E402
from conversations.live import FeedHolder  # noqa: E402

django_wsgi = WSGIMiddleware(
    get_wsgi_application(), workers=int(os.environ.get("WEB_THREADS", "8"))
)
application = FeedHolder(django_asgi, reverse("api:events"), others=django_wsgi)
if settings.SMS_WEBHOOK_INTAKE:
    application = WebhookIntake(application)
