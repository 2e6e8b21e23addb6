"""The one-time enrolment link of a new platform person.

Django's password-reset tokens, with their own salt: a token is bound to the
account's password hash, so it dies the moment the person sets a password
(and a password-reset token can never serve as an enrolment link, or the
reverse). It lasts PASSWORD_RESET_TIMEOUT seconds; ``create_platform_staff
--new-link`` makes a fresh one for a person who has not enrolled yet.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


class EnrolmentTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "instaply.platform_staff.enrolment"


enrolment_tokens = EnrolmentTokenGenerator()


def enrolment_link(user) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("platform:enrol", args=[uidb64, enrolment_tokens.make_token(user)])
    return f"{settings.PUBLIC_BASE_URL}{path}"
