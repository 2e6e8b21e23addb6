"""django-otp's devices as the sign-in pages verify them: the same tables, a gentler back-off.

django-otp throttles a device after every wrong code (1 s, then 2, 4, 8...), so
the right code typed a moment after a typo is refused. People mistype codes; an
attacker guesses many. The first mistake therefore costs nothing, and django-otp's
exponential back-off applies from the second wrong code in a row (2 s, 4, 8...).
A right code resets the count, as django-otp does.
"""

from django_otp.models import ThrottlingMixin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

# Wrong codes in a row that do not start the back-off.
FORGIVEN_MISTAKES = 1


class ForgivingThrottle:
    def verify_is_allowed(self):
        if self.throttling_failure_count <= FORGIVEN_MISTAKES:
            # Past django-otp's back-off only: any other check of the device still applies.
            return super(ThrottlingMixin, self).verify_is_allowed()
        return super().verify_is_allowed()


class Authenticator(ForgivingThrottle, TOTPDevice):
    class Meta:
        proxy = True


class RecoveryCodes(ForgivingThrottle, StaticDevice):
    class Meta:
        proxy = True
