"""Attachment tasks: they take ids and can run twice."""

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    name="attachments.make_thumbnail",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def make_thumbnail(attachment_id: str) -> None:
    from attachments.services import thumbnail_make

    thumbnail_make(attachment_id=attachment_id)


@shared_task(bind=True, name="attachments.fetch_mms_media", acks_late=True, max_retries=6)
def fetch_mms_media(self, message_id: str) -> None:
    """Marks the message's MediaFetch row done once every item is stored or
    refused; a lost message is published again by the sweeper (rule mms_media)."""
    from attachments.mms import (
        FETCH_RETRIES,
        MediaNotYet,
        fetch_backoff_seconds,
        media_fetch_for_message,
    )

    retries = self.request.retries
    try:
        media_fetch_for_message(message_id=message_id, final=retries >= FETCH_RETRIES)
    except MediaNotYet as exc:
        if self.request.is_eager:
            media_fetch_for_message(message_id=message_id, final=True)
            return
        raise self.retry(countdown=fetch_backoff_seconds(retries), exc=exc) from None
