"""Background work of the tenants app. Tasks take ids and can run twice."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse


@shared_task(
    name="tenants.invitation_send", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def invitation_send(invitation_id: str) -> bool:
    """Makes the invitation's token and emails the link; does nothing once sent."""
    from tenants.services.members import invitation_issue_token

    issued = invitation_issue_token(invitation_id=invitation_id)
    if issued is None:
        return False
    invitation, token = issued
    link = settings.PUBLIC_BASE_URL + reverse(
        "web:accept-invitation", kwargs={"tenant_slug": invitation.tenant.slug, "token": token}
    )
    send_mail(
        subject=f"You are invited to {invitation.tenant.name} on Instaply",
        message=(
            f"You have been invited to join {invitation.tenant.name} on Instaply "
            f"as {invitation.get_role_display().lower()}.\n\n"
            "Accept the invitation here (single use, expires "
            f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC):\n"
            f"{link}\n"
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )
    return True
