"""Second-factor devices stay out of the admin: a TOTP device's page shows its
secret key and a static device its recovery codes, which would let a superuser
copy anyone's second factor. A lost authenticator is replaced through the
person's recovery codes (web/auth_views.py), never by an operator."""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
