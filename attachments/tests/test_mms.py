"""MMS: media of an inbound text fetched by the worker from the provider (the
simulator, serving it over loopback with the account's Basic credentials), and
a member's file sent as an MMS or as a link."""

import base64
import urllib.request

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from attachments.models import Attachment, MediaFetch
from attachments.tests.conftest import HTML_AS_PNG, png_bytes
from channels_sms.models import WebhookDelivery
from channels_sms.tests.conftest import SIMULATOR_NUMBER, SIMULATOR_TOKEN, twilio_webhook
from conversations.models import Conversation, Message
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db

US_PHONE = "+14155550142"
FR_PHONE = "+33612345678"


def _mms(simulator, client, capture, *, media, sender=US_PHONE, body="Look at this"):
    """A phone sends an MMS through the simulator; its webhook request is posted
    here (signed by the simulator) and what it queued runs."""
    sent = simulator.inject_inbound(
        provider="twilio", from_=sender, to=SIMULATOR_NUMBER, body=body, media=media
    )
    params = sent["deliveries"][0]["params"]
    with capture(execute=True):
        answer = twilio_webhook(client, "/webhooks/twilio/sms/", params, token=SIMULATOR_TOKEN)
    assert answer.status_code == 200, answer.content
    return params


def test_the_simulator_serves_media_to_the_account_credentials_only(mms_simulator):
    sent = mms_simulator.inject_inbound(
        provider="twilio",
        from_=US_PHONE,
        to=SIMULATOR_NUMBER,
        body="",
        media=[{"content_type": "image/png", "data": png_bytes()}],
    )
    url = sent["deliveries"][0]["params"]["MediaUrl0"]
    assert url.startswith(mms_simulator.url + "/2010-04-01/Accounts/")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=5)
    assert refused.value.code == 401
    request = urllib.request.Request(url)
    account = sent["message"]["account_sid"]
    secret = base64.b64encode(f"{account}:{SIMULATOR_TOKEN}".encode()).decode()
    request.add_header("Authorization", f"Basic {secret}")
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200 and answer.read() == png_bytes()


def test_an_inbound_mms_lands_with_its_image_fetched_by_the_worker(
    client, sms_world, mms_simulator, django_capture_on_commit_callbacks
):
    _mms(
        mms_simulator,
        client,
        django_capture_on_commit_callbacks,
        media=[
            {"content_type": "image/png", "data": png_bytes()},
            # Declared an image, is a page: kept as refused, never stored.
            {"content_type": "image/jpeg", "data": HTML_AS_PNG},
        ],
    )
    message = Message.objects.get()
    assert message.body == "Look at this"
    assert WebhookDelivery.objects.get().state == "processed"
    image, page = Attachment.objects.order_by("position")
    assert (image.state, image.content_type, image.source) == ("stored", "image/png", "sms")
    assert image.message_id == message.pk and image.thumbnail
    assert (page.state, page.blob) == ("rejected", "")
    assert "not accepted" in page.note
    # Every item stored or refused: the fetch is done, the sweeper leaves it.
    fetch = MediaFetch.objects.get()
    assert fetch.message_id == message.pk and fetch.done_at is not None


def test_a_second_fetch_stores_nothing_twice(
    client, sms_world, mms_simulator, django_capture_on_commit_callbacks
):
    from attachments.mms import media_fetch_for_message

    _mms(
        mms_simulator,
        client,
        django_capture_on_commit_callbacks,
        media=[{"content_type": "image/png", "data": png_bytes()}],
    )
    message = Message.objects.get()
    media_fetch_for_message(message_id=message.pk)
    assert Attachment.objects.count() == 1


def test_media_not_at_the_provider_is_never_fetched(
    client, sms_world, mms_simulator, django_capture_on_commit_callbacks
):
    _mms(
        mms_simulator,
        client,
        django_capture_on_commit_callbacks,
        media=[{"url": "http://169.254.169.254/latest/meta-data/", "content_type": "image/png"}],
    )
    attachment = Attachment.objects.get()
    assert attachment.state == "rejected" and "not the simulator's" in attachment.note
    # A refusal is final: done at the first try, never retried.
    fetch = MediaFetch.objects.get()
    assert fetch.tries == 1 and fetch.done_at is not None


def _reply_with_file(tenant_a, conversation, data, name="photo.png", role=Role.AGENT):
    member = verified_client(tenant_a.members[role].user)
    return member.post(
        f"/c/{conversation.pk}/attach",
        {"file": SimpleUploadedFile(name, data, content_type="image/png"), "body": "Here it is"},
    )


def _sms_conversation(client, mms_simulator, capture, sender):
    _mms(mms_simulator, client, capture, media=[], sender=sender, body="Send me the photo")
    return Conversation.objects.get()


def test_a_reply_with_an_image_to_a_us_phone_leaves_as_an_mms(
    client, tenant_a, sms_world, mms_simulator, django_capture_on_commit_callbacks
):
    conversation = _sms_conversation(
        client, mms_simulator, django_capture_on_commit_callbacks, US_PHONE
    )
    with django_capture_on_commit_callbacks(execute=True):
        answer = _reply_with_file(tenant_a, conversation, png_bytes())
    assert answer.status_code == 302
    reply = Message.objects.get(direction="outbound")
    assert reply.body == "Here it is"
    [media] = reply.attachments
    assert media["url"].startswith("https://instaply.example/f/")
    [sent] = mms_simulator.wait_for_messages(to=US_PHONE)
    assert sent["media"] == [{"url": media["url"], "content_type": ""}]
    attachment = Attachment.objects.get(message=reply)
    assert (attachment.source, attachment.content_type) == ("member", "image/png")


def test_a_reply_with_a_file_to_a_french_phone_leaves_as_a_link(
    client, tenant_a, sms_world, mms_simulator, django_capture_on_commit_callbacks
):
    conversation = _sms_conversation(
        client, mms_simulator, django_capture_on_commit_callbacks, FR_PHONE
    )
    with django_capture_on_commit_callbacks(execute=True):
        _reply_with_file(tenant_a, conversation, png_bytes())
    reply = Message.objects.get(direction="outbound")
    assert not reply.attachments
    assert reply.body.startswith("Here it is\nFile: https://instaply.example/f/")
    [sent] = mms_simulator.wait_for_messages(to=FR_PHONE)
    assert sent["media"] == [] and "/f/" in sent["body"]


def test_a_viewer_cannot_send_a_file_and_a_disguised_page_is_refused(
    client, tenant_a, sms_world, mms_simulator, django_capture_on_commit_callbacks
):
    conversation = _sms_conversation(
        client, mms_simulator, django_capture_on_commit_callbacks, US_PHONE
    )
    refused = _reply_with_file(tenant_a, conversation, png_bytes(), role=Role.VIEWER)
    assert refused.status_code in (403, 404)
    _reply_with_file(tenant_a, conversation, HTML_AS_PNG)
    assert not Message.objects.filter(direction="outbound").exists()
    assert not Attachment.objects.exists()
