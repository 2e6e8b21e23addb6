"""An MMS's media survives a lost broker message: the inbound message lands with
a MediaFetch row in its own transaction, the fetch marks the row done once every
item is stored or refused, and the sweeper publishes again a fetch whose row
still waits (instaply/sweeper.py, rule mms_media).

Webhooks are signed by the simulator, which serves the media over loopback, and
posted through the test client; a dispatcher pass lands them. The fetch's
after-commit publish is captured and not run, as if the broker had lost it.
Tasks run eagerly: each sweep's work is done when it returns.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from attachments.mms import FETCH_BACKOFF_MAX_SECONDS, MediaNotYet, media_fetch_for_message
from attachments.models import Attachment, MediaFetch
from attachments.tests.conftest import png_bytes
from channels_sms.models import WebhookDelivery
from channels_sms.services.dispatch import dispatch_once
from channels_sms.tests.conftest import SIMULATOR_NUMBER, SIMULATOR_TOKEN, twilio_webhook
from conversations.models import Message
from instaply.sweeper import sweep

pytestmark = pytest.mark.django_db

US_PHONES = ("+14155550142", "+14155550143", "+14155550144")


@pytest.fixture
def dispatcher(settings):
    settings.SMS_INBOUND_DISPATCH = "dispatcher"


def _post(simulator, client, *, sender=US_PHONES[0], body="Look at this", media=()):
    """A phone texts the simulator's number; its signed webhook is stored here."""
    sent = simulator.inject_inbound(
        provider="twilio", from_=sender, to=SIMULATOR_NUMBER, body=body, media=list(media)
    )
    params = sent["deliveries"][0]["params"]
    answer = twilio_webhook(client, "/webhooks/twilio/sms/", params, token=SIMULATOR_TOKEN)
    assert answer.status_code == 200, answer.content


def _picture(shade=0):
    return {"content_type": "image/png", "data": png_bytes(colour=(shade, 40, 90))}


def _land(capture) -> list:
    """One dispatcher pass; returns what it published after commit, not run (lost)."""
    with capture() as lost:
        assert dispatch_once() > 0
    return lost


def _later(settings, seconds=1):
    return timezone.now() + dt.timedelta(seconds=settings.SWEEP_GRACE_SECONDS + seconds)


def test_a_batch_of_texts_with_media_writes_their_fetch_rows_in_one_insert(
    client, sms_world, mms_simulator, dispatcher, django_capture_on_commit_callbacks
):
    for shade, sender in enumerate(US_PHONES):
        _post(mms_simulator, client, sender=sender, media=[_picture(shade)])
    _post(mms_simulator, client, sender=US_PHONES[0], body="and no picture")
    with CaptureQueriesContext(connection) as queries:
        _land(django_capture_on_commit_callbacks)
    table = MediaFetch._meta.db_table
    inserts = [q for q in queries if q["sql"].startswith(f'INSERT INTO "{table}"')]
    assert len(inserts) == 1
    with_media = [m for m in Message.objects.all() if m.body != "and no picture"]
    assert len(with_media) == 3 and all(m.attachments for m in with_media)
    fetches = MediaFetch.objects.all()
    assert {f.message_id for f in fetches} == {m.pk for m in with_media}
    assert {(f.tenant_id, f.tries, f.done_at) for f in fetches} == {(sms_world.tenant.pk, 0, None)}


def test_a_text_processed_alone_writes_its_fetch_row_too(
    client, sms_world, mms_simulator, dispatcher, django_capture_on_commit_callbacks
):
    # A keyword is processed alone (channels_sms/services/inbound.py), not in the batch.
    _post(mms_simulator, client, body="START", media=[_picture()])
    _land(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.note) == ("processed", "start")
    fetch = MediaFetch.objects.get()
    assert fetch.message_id == delivery.message_id and fetch.done_at is None


def test_a_lost_fetch_is_published_again_by_the_sweep_and_stored_once(
    client, sms_world, mms_simulator, dispatcher, settings, django_capture_on_commit_callbacks
):
    _post(mms_simulator, client, media=[_picture()])
    lost = _land(django_capture_on_commit_callbacks)
    message = Message.objects.get()
    assert not Attachment.objects.exists()

    assert sweep()["mms_media"] == 0  # fresh: its task may be on its way
    # Past the day the sweeper retries a fetch for, it is left alone.
    assert sweep(now=timezone.now() + dt.timedelta(days=1, seconds=1))["mms_media"] == 0
    assert sweep(now=_later(settings))["mms_media"] == 1
    stored = Attachment.objects.get()
    assert (stored.state, stored.message_id, stored.content_type) == (
        "stored",
        message.pk,
        "image/png",
    )
    fetch = MediaFetch.objects.get()
    assert fetch.done_at is not None and fetch.tries == 1

    # The lost message turns up after all (a worker that died holding it): the
    # fetch runs again and stores nothing twice.
    for callback in lost:
        callback()
    assert Attachment.objects.count() == 1
    assert sweep(now=_later(settings))["mms_media"] == 0
    assert MediaFetch.objects.get().tries == 1  # a done row is not tried again


def test_a_fetch_the_provider_never_serves_is_done_with_its_item_refused(
    client, sms_world, mms_simulator, dispatcher, settings, django_capture_on_commit_callbacks
):
    _post(mms_simulator, client, media=[_picture()])
    _land(django_capture_on_commit_callbacks)
    message = Message.objects.get()
    mms_simulator.stop()  # the provider is down: its media URLs refuse connections

    with pytest.raises(MediaNotYet):  # the task's first try: it would retry later
        media_fetch_for_message(message_id=message.pk)
    fetch = MediaFetch.objects.get()
    assert (fetch.tries, fetch.done_at) == (1, None) and fetch.tried_at is not None
    assert not Attachment.objects.exists()
    # Within the longest backoff its retry may still come: left alone.
    assert sweep(now=_later(settings))["mms_media"] == 0
    # Past it, the retry is taken as lost: published again. Run eagerly, the task
    # makes its last try at once, which refuses what the provider did not serve.
    past_backoff = fetch.tried_at + dt.timedelta(seconds=FETCH_BACKOFF_MAX_SECONDS * 1.2 + 1)
    assert sweep(now=past_backoff)["mms_media"] == 1
    refused = Attachment.objects.get()
    assert (refused.state, refused.note) == ("rejected", "The provider did not serve this file.")
    fetch.refresh_from_db()
    assert fetch.done_at is not None and fetch.tries == 3
    assert sweep(now=past_backoff)["mms_media"] == 0
