"""Background work of a published policy version. Tasks take ids and can run twice."""

from celery import shared_task

from instaply.publish import publish


@shared_task(name="policies.announce_version")
def announce_version(version_id: str) -> int:
    """Fans out: one ``announce_to_tenant`` per tenant."""
    from privacy.policies.announce import version_announce

    return version_announce(
        version_id=version_id,
        enqueue=lambda tenant_id: publish(announce_to_tenant, version_id, tenant_id),
    )


@shared_task(
    name="policies.announce_to_tenant",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def announce_to_tenant(version_id: str, tenant_id: str) -> bool:
    from privacy.policies.announce import tenant_announce

    return tenant_announce(
        version_id=version_id,
        tenant_id=tenant_id,
        send_later=lambda message_id: publish(send_service_messages, message_id),
    )


@shared_task(name="policies.send_service_messages")
def send_service_messages(message_id: str) -> None:
    from privacy.policies.sending import service_messages_send

    service_messages_send(message_id=message_id)
