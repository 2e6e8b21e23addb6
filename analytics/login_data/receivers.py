"""Sign-in and sign-out, however they happen (the sign-in page, an invitation,
the console, the admin), start and end a login session. Connected in
LoginDataConfig.ready."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from analytics.login_data import services


@receiver(user_logged_in, dispatch_uid="instaply.login_data.started")
def started(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        services.login_session_start(request=request, user=user)


@receiver(user_logged_out, dispatch_uid="instaply.login_data.ended")
def ended(sender, request, user, **kwargs):
    if request is not None and user is not None:
        services.login_session_end(request=request)
