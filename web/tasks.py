"""Background work of the web pages. Tasks take ids."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


@shared_task(name="web.password_reset_send", autoretry_for=(OSError,), retry_backoff=True)
def password_reset_send(user_id: str) -> bool:
    """Emails a password-reset link in the person's language. The link stops
    working once the password changes or after PASSWORD_RESET_TIMEOUT."""
    from tenants.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    link = settings.PUBLIC_BASE_URL + reverse(
        "web:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {"link": link, "hours": hours}
        subject = render_to_string("web/email/password_reset_subject.txt", context).strip()
        body = render_to_string("web/email/password_reset.txt", context)
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])
    return True
