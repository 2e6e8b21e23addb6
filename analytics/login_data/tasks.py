"""Background work of login data (found by Celery's autodiscovery). Tasks take
ids and can run twice."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


@shared_task(name="login_data.purge")
def purge() -> int:
    """Daily (CELERY_BEAT_SCHEDULE). A second run finds nothing more to delete."""
    from analytics.login_data.retention import login_data_purge

    return login_data_purge()


@shared_task(name="login_data.tell_signed_out", autoretry_for=(OSError,), retry_backoff=True)
def tell_signed_out(login_session_id: str, tenant_id: str) -> bool:
    """Emails the person an admin of ``tenant_id`` signed out, in their language.
    Sent again if retried after a failure: a second identical email, never none."""
    from analytics.login_data.models import LoginSession
    from tenants.models import Tenant

    row = LoginSession.objects.select_related("user").filter(pk=login_session_id).first()
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if row is None or tenant is None or not row.user.is_active:
        return False
    with translation.override(row.user.language or settings.LANGUAGE_CODE):
        context = {"session": row, "workspace": tenant.name}
        subject = render_to_string("login_data/email/signed_out_subject.txt", context).strip()
        body = render_to_string("login_data/email/signed_out.txt", context)
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[row.user.email])
    return True
