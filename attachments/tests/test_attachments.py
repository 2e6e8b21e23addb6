"""Files in conversations: stored encrypted, served never as a page, read with
an audit event, by the right roles of the right tenant only; links that expire;
erasure that reaches the blobs."""

import datetime as dt

import pytest
import time_machine
from django.core.files.storage import storages

from attachments import blobs
from attachments.models import Attachment
from attachments.services import attachment_store, link_url
from attachments.tests.conftest import HTML_AS_PNG, pdf_bytes, png_bytes
from audit.models import AuditEvent
from conversations.models import Message
from privacy.crypto import DecryptionError, decrypt
from privacy.dsr.erasure import erase_subject
from privacy.dsr.tests.erasure_support import erasure_request, no_progress
from tenants.models import Role
from web.tests.conftest import start_conversation
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db

ORIGIN = "https://shop-a.example"


@pytest.fixture
def widget_a(tenant_a):
    from conversations.models import Widget

    return Widget.objects.create(
        tenant=tenant_a.tenant, shop=tenant_a.shop, allowed_origins=[ORIGIN]
    )


def _visitor(client, widget) -> str:
    started = client.post(
        f"/api/widget/v1/{widget.public_key}/sessions",
        {"age": "adult", "name": "Zoé"},
        content_type="application/json",
        HTTP_ORIGIN=ORIGIN,
    )
    assert started.status_code == 201, started.content
    return started.json()["visitor_token"]


def _upload(client, widget, token, data: bytes, name: str, content_type: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/api/widget/v1/{widget.public_key}/files",
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
        HTTP_ORIGIN=ORIGIN,
        HTTP_X_VISITOR_TOKEN=token,
    )


@pytest.fixture
def stored(tenant_a, widget_a, storage_dir, django_capture_on_commit_callbacks):
    """An image a widget visitor sent (thumbnail made by its task)."""
    conversation = start_conversation(tenant_a, widget_a)
    message = Message.objects.filter(conversation=conversation).get()
    with django_capture_on_commit_callbacks(execute=True):
        attachment = attachment_store(
            message=message, data=png_bytes(), name="cake.png", source="widget"
        )
    attachment.refresh_from_db()
    return attachment


def test_a_visitor_sends_an_image_and_it_is_stored_encrypted(
    client, tenant_a, widget_a, storage_dir, django_capture_on_commit_callbacks
):
    token = _visitor(client, widget_a)
    data = png_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        answer = _upload(client, widget_a, token, data, "photo.png", "image/png")
    assert answer.status_code == 201, answer.content
    assert answer["Access-Control-Allow-Origin"] == ORIGIN
    attachment = Attachment.objects.get(pk=answer.json()["file_id"])
    assert (attachment.state, attachment.content_type, attachment.size) == (
        "stored",
        "image/png",
        len(data),
    )
    assert attachment.name == "photo.png" and attachment.thumbnail
    # At rest: ciphertext only, in the blob and in the row.
    on_disk = (storage_dir / attachment.blob).read_bytes()
    assert data[:16] not in on_disk and b"IHDR" not in on_disk
    assert b"photo.png" not in bytes(Attachment.objects.values_list("name", flat=True).get())
    assert blobs.blob_read(attachment, blobs.FILE) == data
    assert blobs.blob_read(attachment, blobs.THUMBNAIL)[:3] == b"\xff\xd8\xff"  # a JPEG


def test_an_html_file_disguised_as_an_image_is_refused_and_nothing_is_written(
    client, widget_a, storage_dir
):
    token = _visitor(client, widget_a)
    before = Message.objects.count()
    answer = _upload(client, widget_a, token, HTML_AS_PNG, "cat.png", "image/png")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "file_type_refused"
    assert Message.objects.count() == before and not Attachment.objects.exists()
    assert not storage_dir.exists() or not any(storage_dir.rglob("*.*"))


def test_a_file_over_the_limit_is_refused(client, widget_a, storage_dir, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    token = _visitor(client, widget_a)
    answer = _upload(client, widget_a, token, png_bytes(), "big.png", "image/png")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "file_too_large"
    assert not Attachment.objects.exists()


def test_a_member_reads_a_file_with_safe_headers_and_an_audit_event(tenant_a, stored):
    agent = verified_client(tenant_a.members[Role.AGENT].user)
    answer = agent.get(f"/files/{stored.pk}/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/png"
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in answer["Content-Security-Policy"]
    assert "default-src 'none'" in answer["Content-Security-Policy"]
    assert answer.content == png_bytes()
    thumbnail = agent.get(f"/files/{stored.pk}/thumbnail")
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"
    reads = AuditEvent.objects.filter(
        action="personal_data.read", target_kind="attachment", target_id=str(stored.pk)
    )
    assert sorted(e.metadata["fields"][0] for e in reads) == [
        "attachment_file",
        "attachment_thumbnail",
    ]
    assert {e.actor_member_id for e in reads} == {tenant_a.members[Role.AGENT].pk}


def test_a_file_that_is_not_an_image_is_a_download(tenant_a, widget_a, storage_dir):
    conversation = start_conversation(tenant_a, widget_a)
    message = Message.objects.filter(conversation=conversation).get()
    attachment = attachment_store(
        message=message, data=pdf_bytes(), name="invoice.pdf", source="widget"
    )
    answer = verified_client(tenant_a.members[Role.VIEWER].user).get(f"/files/{attachment.pk}/")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer["Content-Disposition"].startswith("attachment;")
    assert not attachment.thumbnail


def test_roles_and_tenants(tenant_a, tenant_b, stored):
    # The privacy officer reads no conversation, hence no file.
    privacy = verified_client(tenant_a.members[Role.PRIVACY].user)
    assert privacy.get(f"/files/{stored.pk}/").status_code in (403, 404)
    # Another tenant's member: the same 404 as a file that does not exist.
    for role in (Role.OWNER, Role.AGENT):
        other = verified_client(tenant_b.members[role].user)
        assert other.get(f"/files/{stored.pk}/").status_code == 404
        assert other.get(f"/files/{stored.pk}/thumbnail").status_code == 404
    assert not AuditEvent.objects.filter(
        action="personal_data.read", target_kind="attachment"
    ).exists()


def test_an_expiring_link_serves_the_file_without_login_until_it_expires(client, stored, settings):
    settings.PUBLIC_BASE_URL = "https://instaply.example"
    url = link_url(stored).removeprefix(settings.PUBLIC_BASE_URL)
    opened = client.get(url)
    assert opened.status_code == 200 and opened.content == png_bytes()
    assert opened["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.get(action="attachment.link_opened")
    assert (event.actor_kind, event.target_id) == ("anonymous", str(stored.pk))
    assert client.get(url[:-2] + "xx").status_code == 404  # altered
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=settings.ATTACHMENT_LINK_SECONDS + 5)
    with time_machine.travel(later):
        assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="attachment.link_opened").count() == 1


def test_erasure_deletes_the_blobs_and_the_key_makes_copies_unreadable(
    tenant_a, stored, storage_dir, django_capture_on_commit_callbacks
):
    copy = (storage_dir / stored.blob).read_bytes()
    names = [stored.blob, stored.thumbnail]
    contact = stored.contact
    context = blobs._context(stored, blobs.FILE)
    request = erasure_request(tenant_a.tenant, contact)
    with django_capture_on_commit_callbacks(execute=True):
        counts = erase_subject(request, contact, no_progress)["erased"]
    assert counts["attachments"] == 1
    assert not Attachment.objects.exists()
    assert not any(storages["attachments"].exists(name) for name in names)
    # A copy of the blob taken before (a backup) does not open any more: the
    # contact's key is destroyed, and no other key opens it.
    from privacy import keyring

    assert keyring.data_cipher(tenant_a.tenant.id, contact.pk).__class__.__name__ == "Erased"
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    with pytest.raises(DecryptionError):
        decrypt(AESGCM(AESGCM.generate_key(256)), copy, context)


def test_the_access_package_holds_the_subjects_files_decrypted(
    tenant_a, stored, settings, tmp_path
):
    import json
    import zipfile

    from privacy.dsr.models import AccessPackage
    from privacy.dsr.package import build_access_package, package_path
    from privacy.dsr.tests.package_support import access_request

    settings.PRIVACY_PACKAGE_DIR = tmp_path / "packages"
    dsr = access_request(tenant_a.tenant, stored.contact)
    counts = build_access_package(dsr, stored.contact, [].append)
    assert counts["files"] == 1
    built = AccessPackage.objects.for_tenant(tenant_a.tenant).get(request=dsr)
    with zipfile.ZipFile(package_path(built)) as archive:
        [described] = json.loads(archive.read("files.json"))
        assert described["name"] == "cake.png" and described["content_type"] == "image/png"
        assert archive.read(described["path"]) == png_bytes()


def test_an_image_whose_thumbnail_task_was_lost_is_swept(tenant_a, widget_a, storage_dir, settings):
    """The after-commit publish of make_thumbnail never runs here (as if the broker
    lost it): the sweeper finds the image past the grace and the thumbnail is made."""
    from django.utils import timezone

    from instaply.sweeper import sweep

    conversation = start_conversation(tenant_a, widget_a)
    message = Message.objects.filter(conversation=conversation).get()
    attachment = attachment_store(message=message, data=png_bytes(), name="a.png", source="widget")
    assert not attachment.thumbnail
    assert sweep()["attachment_thumbnails"] == 0  # within the grace
    later = timezone.now() + dt.timedelta(seconds=settings.SWEEP_GRACE_SECONDS + 1)
    assert sweep(now=later)["attachment_thumbnails"] == 1
    attachment.refresh_from_db()
    assert attachment.thumbnail
    assert sweep(now=later)["attachment_thumbnails"] == 0
