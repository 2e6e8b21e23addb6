"""SMS tasks: they take ids, lock their row, and do nothing when the work is done."""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

NOT_YET_COUNTDOWN = 20  # seconds: a status callback that overtook its send's commit


@shared_task(
    bind=True,
    name="channels_sms.process_delivery",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=8,
)
def process_delivery(self, delivery_id: str) -> None:
    from channels_sms.services.inbound import NotYet, delivery_process

    try:
        delivery_process(delivery_id=delivery_id)
    except NotYet as exc:
        if self.request.is_eager:
            return  # no worker to wait in; the next status callback or a replay applies it
        raise self.retry(countdown=NOT_YET_COUNTDOWN, max_retries=30, exc=exc) from None


@shared_task(bind=True, name="channels_sms.send_message", acks_late=True)
def send_message(self, message_id: str) -> None:
    from channels_sms.services.outbound import message_send

    outcome = message_send(message_id=message_id)
    while outcome.retry_in is not None:
        if not self.request.is_eager:
            # The attempt count lives in SendAttempt rows, not in Celery's
            # counter, so the limit holds across redeliveries; this is a backstop.
            raise self.retry(countdown=outcome.retry_in, max_retries=settings.SMS_SEND_MAX_ATTEMPTS)
        # Run in-process (embedded mode, tests): no worker will come back later,
        # so try again now; the attempt limit ends the loop.
        outcome = message_send(message_id=message_id)
