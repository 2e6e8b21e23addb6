"""A webhook stored while the broker is unreachable is answered 2xx at once,
stays pending, and reaches the inbox exactly once through the sweeper and a
real Celery worker, however many times it is swept."""

import datetime as dt
import logging
import time

import pytest
from django.conf import settings
from django.utils import timezone

from channels_sms.models import PhoneNumber, ProviderAccount, WebhookDelivery
from channels_sms.tests.conftest import fixture, twilio_webhook
from conversations.models import Message
from instaply.sweeper import sweep
from tests.integration.support import WORKER_SCENARIO

pytestmark = WORKER_SCENARIO

TWILIO_SID, TWILIO_TOKEN, NUMBER = "AC" + "e" * 32, "sweep-auth-token", "+15017122661"


@pytest.fixture
def number(tenant_a):
    account = ProviderAccount.objects.create(
        tenant=tenant_a.tenant, provider="twilio", account_ref=TWILIO_SID, auth_token=TWILIO_TOKEN
    )
    return PhoneNumber.objects.create(
        tenant=tenant_a.tenant,
        shop=tenant_a.shop,
        account=account,
        provider="twilio",
        number=NUMBER,
    )


@pytest.fixture
def broker_unreachable():
    """This process publishes to a port where nothing listens (Redis stopped)."""
    from instaply.celery import app

    def use(url):
        app.conf.broker_url = url
        # The app caches its connection and producer pools: drop the references
        # (kombu keeps each URL's pool) so the next publish connects to ``url``.
        app._pool = None
        app.amqp._producer_pool = None

    working = app.conf.broker_url
    use("redis://127.0.0.1:1/0")
    yield lambda: use(working)
    use(working)


def _text(client):
    params = fixture("twilio_inbound.json") | {"To": NUMBER, "AccountSid": TWILIO_SID}
    return twilio_webhook(client, "/webhooks/twilio/sms/", params, token=TWILIO_TOKEN)


def test_a_text_stored_while_the_broker_is_down_arrives_once_through_the_sweeper(
    number, worker, broker_unreachable, client, caplog
):
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="instaply.publish"):
        response = _text(client)
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.content
    assert elapsed < 3, f"the webhook waited {elapsed:.1f} s on the broker"
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.PENDING
    failures = [r.getMessage() for r in caplog.records if r.name == "instaply.publish"]
    assert failures and str(delivery.pk) in failures[0]
    assert "+33" not in failures[0] and "order" not in failures[0]  # ids only

    broker_unreachable()  # Redis is back
    later = timezone.now() + dt.timedelta(seconds=settings.SWEEP_GRACE_SECONDS + 1)
    # Two sweeps before the worker is done: the second publishes again, and the
    # task, finding the delivery processed under its row lock, does nothing.
    assert sweep(now=later)["webhook_deliveries"] == 1
    sweep(now=later)
    deadline = time.monotonic() + 30
    while delivery.state == WebhookDelivery.State.PENDING and time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"the worker died: {worker.stdout.read()}")
        time.sleep(0.2)
        delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.PROCESSED
    time.sleep(1)  # let a second publish, if any, be consumed
    assert Message.objects.filter(direction=Message.Direction.INBOUND).count() == 1
    assert sweep(now=later)["webhook_deliveries"] == 0
