"""Background work of the tenants app. Tasks take ids and can run twice."""

from celery import shared_task


@shared_task(bind=True, name="tenants.invitation_deliver", acks_late=True)
def invitation_deliver(self, delivery_id: str) -> None:
    """Emails an invitation's link; does nothing once its delivery is sent or failed."""
    from tenants.services.invitation_delivery import MAX_ATTEMPTS, invitation_delivery_send

    outcome = invitation_delivery_send(delivery_id=delivery_id)
    while outcome.retry_in is not None:
        if not self.request.is_eager:
            # The attempt count lives in InvitationSendAttempt rows, not in
            # Celery's counter, so the limit holds across redeliveries; this is a backstop.
            raise self.retry(countdown=outcome.retry_in, max_retries=MAX_ATTEMPTS)
        # Run in-process (embedded mode, tests): no worker comes back later, so
        # try again now; the attempt limit ends the loop.
        outcome = invitation_delivery_send(delivery_id=delivery_id)
