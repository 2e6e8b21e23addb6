"""Operators' second chance for webhooks that could not be processed.

Nothing a provider sent us is dropped: texts to a number we do not know, or to
a deactivated one, wait as ``unrouted``; deliveries whose processing failed wait as
``failed``. Once the number is set up (or the cause fixed), a replay routes
them again by our records and queues them.
"""

from django.db import transaction

from channels_sms.models import TWILIO_PROTOCOL, DeliveryKind, UnroutedDelivery, WebhookDelivery
from channels_sms.payload_encryption import decrypt_payload
from channels_sms.services.deliveries import delivery_queue, delivery_record
from channels_sms.services.routing import twilio_route, vonage_route


def _route(provider: str, kind: str, payload: dict):
    if provider in TWILIO_PROTOCOL:
        own = "To" if kind == DeliveryKind.MESSAGE else "From"
        return twilio_route(payload, own_number_field=own)
    return vonage_route(payload, own_number_field="to")


def deliveries_replay() -> dict:
    """Routes and queues again what waits; returns counts by outcome."""
    counts = {"queued": 0, "still_unrouted": 0}
    waiting = WebhookDelivery.objects.dangerously_unscoped(reason="replay serves every tenant")
    for delivery_id in waiting.filter(
        state__in=[WebhookDelivery.State.UNROUTED, WebhookDelivery.State.FAILED]
    ).values_list("pk", flat=True):
        counts["queued" if _delivery_replay(delivery_id) else "still_unrouted"] += 1
    for unrouted_id in UnroutedDelivery.objects.values_list("pk", flat=True):
        counts["queued" if _unrouted_replay(unrouted_id) else "still_unrouted"] += 1
    return counts


@transaction.atomic
def _delivery_replay(delivery_id) -> bool:
    delivery = (
        WebhookDelivery.objects.dangerously_unscoped(reason="replay by id of a stored webhook")
        .select_for_update()
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.payload is None:
        return False
    if delivery.state == WebhookDelivery.State.UNROUTED:
        route = _route(delivery.provider, delivery.kind, delivery.payload)
        # Its payload is encrypted under this tenant's key: it stays in this tenant.
        if route is None or route.number is None or route.tenant_id != delivery.tenant_id:
            return False
        if not route.number.active:
            return False
        delivery.phone_number = route.number
    delivery.state, delivery.note = WebhookDelivery.State.PENDING, ""
    delivery.save(update_fields=["phone_number", "state", "note"])
    delivery_queue(delivery.pk)
    return True


@transaction.atomic
def _unrouted_replay(unrouted_id) -> bool:
    row = UnroutedDelivery.objects.select_for_update().filter(pk=unrouted_id).first()
    if row is None:
        return False
    payload = decrypt_payload(
        row_id=row.pk,
        master_version=row.master_version,
        wrapped_key=row.wrapped_key,
        encrypted=row.payload,
    )
    route = _route(row.provider, row.kind, payload)
    if route is None or route.tenant_id is None or route.number is None:
        return False
    delivery_record(
        route=route,
        kind=row.kind,
        provider_message_id=row.provider_message_id,
        provider_status=row.provider_status,
        payload=payload,
    )
    row.delete()  # and with it the only copy of its key
    return True
