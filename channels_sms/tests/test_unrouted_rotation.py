"""Payloads of unrouted webhooks follow the master key when it rotates."""

import pytest

from channels_sms.models import UnroutedDelivery
from channels_sms.payload_encryption import decrypt_payload, encrypt_payload
from instaply.ids import uuid7
from privacy.keys import generate_master_key_ring
from privacy.services.keys import master_key_rotate

pytestmark = pytest.mark.django_db


def test_rotate_master_key_rewraps_unrouted_payload_keys(settings):
    old = generate_master_key_ring(1)
    settings.INSTAPLY_MASTER_KEYS = old
    row_id = uuid7()
    version, wrapped, encrypted = encrypt_payload(row_id=row_id, payload={"Body": "hello"})
    UnroutedDelivery.objects.create(
        id=row_id,
        provider="twilio",
        kind="inbound",
        provider_message_id="SM" + "0" * 32,
        account_ref="AC" + "0" * 32,
        master_version=version,
        wrapped_key=wrapped,
        payload=encrypted,
    )
    settings.INSTAPLY_MASTER_KEYS = generate_master_key_ring(2) + "," + old
    master_key_rotate()
    settings.INSTAPLY_MASTER_KEYS = settings.INSTAPLY_MASTER_KEYS.split(",")[0]  # v1 gone
    row = UnroutedDelivery.objects.get(pk=row_id)
    assert row.master_version == 2
    assert decrypt_payload(
        row_id=row.pk,
        master_version=row.master_version,
        wrapped_key=row.wrapped_key,
        encrypted=row.payload,
    ) == {"Body": "hello"}
