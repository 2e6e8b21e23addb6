"""Forgotten passwords: a single-use link by email, then a new password.

The email leaves from a task that takes the person's id and makes the link
itself (no secret travels through the broker). The answer to the request is
the same whether or not the address has an account.
"""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator

from audit.recorder import Actor, record
from instaply.publish import publish_after_commit
from instaply.ratelimit import by_ip, by_post_field, rate_limit


class QueuedPasswordResetForm(PasswordResetForm):
    def save(self, *, request=None, **kwargs):
        from web.tasks import password_reset_send

        for user in self.get_users(self.cleaned_data["email"]):
            record(
                "auth.password_reset.requested",
                request=request,
                actor=Actor.anonymous(),
                target=("user", user.pk),
            )
            publish_after_commit(password_reset_send, user.pk)


@method_decorator(rate_limit("password_reset", key=by_ip), name="dispatch")
@method_decorator(rate_limit("password_reset_account", key=by_post_field("email")), name="dispatch")
class ResetRequestView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm
    template_name = "web/password_reset.html"
    success_url = reverse_lazy("web:password-reset-sent")


class ResetSentView(auth_views.PasswordResetDoneView):
    template_name = "web/password_reset_sent.html"


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view trades the emailed token for a session entry and redirects to
    ``.../set-password/``: the form page's address holds no token, so it keeps the
    site's ``Referrer-Policy: same-origin`` (``no-referrer`` would make Chromium
    post the form with ``Origin: null``, which the CSRF check refuses)."""

    template_name = "web/password_reset_confirm.html"
    success_url = reverse_lazy("web:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        record(
            "auth.password_reset.completed",
            request=self.request,
            actor=Actor.user(form.user),
            target=("user", form.user.pk),
        )
        return response


class ResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/password_reset_complete.html"
