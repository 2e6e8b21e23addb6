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
    from attachments.mms import MediaNotYet, media_fetch_for_message

    try:
        media_fetch_for_message(message_id=message_id, final=self.request.retries >= 5)
    except MediaNotYet as exc:
        if self.request.is_eager:
            media_fetch_for_message(message_id=message_id, final=True)
            return
        raise self.retry(countdown=30 * 2**self.request.retries, exc=exc) from None
