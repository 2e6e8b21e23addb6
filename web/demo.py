"""The development demo: a landing page with the demo logins, a simulated phone
that texts the demo shop through the SMS provider simulator, and a sample shop
website that embeds the chat widget.

Development only (DJANGO_ENV=development or DEBUG, never production): anywhere
else every page here is a 404. The logins shown are seed_demo's, whose
passwords and authenticator secrets are derived from this checkout's SECRET_KEY.
"""

import time
from functools import wraps
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from channels_sms import selectors as sms_selectors
from channels_sms.models import Provider
from conversations import selectors as conversation_selectors
from instaply.errors import Invalid
from privacy.blind_index import normalise_phone
from tenants.demo import DEMO_AUTHENTICATOR_NAME, demo_password
from tenants.models import Role, Tenant
from tenants.selectors import membership_list

DEMO_TENANT = "Demo Bakery"  # seed_demo's default
DEFAULT_PHONE = "+33612345678"
PHONE_SESSION_KEY = "demo_phone"
SIMULATOR_TIMEOUT = 5


def demo_enabled() -> bool:
    return not settings.PRODUCTION and (settings.ENVIRONMENT == "development" or settings.DEBUG)


def demo_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not demo_enabled():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def demo_tenant() -> Tenant | None:
    return Tenant.objects.filter(slug=slugify(DEMO_TENANT)).first()


def _current_code(device: TOTPDevice) -> tuple[str, int]:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    left = device.step - int(time.time() - device.t0) % device.step
    return f"{code:0{device.digits}d}", left


def demo_logins(tenant: Tenant) -> list[dict]:
    """One login per role, with the current code of its demo authenticator."""
    people = [m for m in membership_list(tenant=tenant) if m.is_active]
    devices = {
        device.user_id: device
        for device in TOTPDevice.objects.filter(
            user__in=[m.user_id for m in people], name=DEMO_AUTHENTICATOR_NAME, confirmed=True
        )
    }
    logins = []
    for membership in sorted(people, key=lambda m: list(Role.values).index(m.role)):
        email = membership.user.email
        if email != f"{membership.role}@{tenant.slug}.example":
            continue  # someone invited later: not a seeded login
        login = {"role": membership.role, "email": email, "password": demo_password(email)}
        device = devices.get(membership.user_id)
        if device is not None:
            login["code"], login["code_seconds"] = _current_code(device)
        logins.append(login)
    return logins


@never_cache
@demo_only
def landing(request):
    tenant = demo_tenant()
    return render(
        request,
        "web/demo/landing.html",
        {
            "tenant": tenant,
            "logins": demo_logins(tenant) if tenant else [],
            "simulator_url": settings.SMS_SIMULATOR_URL,
            "shop_url": shop_url(),
        },
    )


# The phone -------------------------------------------------------------------------


def _simulator():
    session = requests.Session()
    session.trust_env = False  # loopback only, never through a machine-wide proxy
    return session


def _shop_numbers(tenant) -> list:
    if tenant is None:
        return []
    return [n for n in sms_selectors.phone_number_list(tenant=tenant) if n.active]


def phone_conversation(phone: str) -> dict:
    """The phone's texts with the shop numbers, as the simulator recorded them."""
    url = f"{settings.SMS_SIMULATOR_URL}/_sim/phones/{quote(phone, safe='')}/messages"
    with _simulator() as http:
        answer = http.get(url, timeout=SIMULATOR_TIMEOUT)
    answer.raise_for_status()
    return answer.json()


@never_cache
@demo_only
def phone(request):
    tenant = demo_tenant()
    numbers = _shop_numbers(tenant)
    current = request.session.get(PHONE_SESSION_KEY, DEFAULT_PHONE)
    if request.method == "POST":
        return _phone_send(request, numbers)
    return render(
        request,
        "web/demo/phone.html",
        {"numbers": numbers, "phone": current, **_thread_context(current)},
    )


def _phone_send(request, numbers):
    by_id = {str(n.id): n for n in numbers}
    shop_number = by_id.get(request.POST.get("to", ""))
    body = request.POST.get("body", "").strip()
    try:
        sender = normalise_phone(request.POST.get("from", ""))
    except Invalid:
        messages.error(request, _("Enter the phone's number with its country code, e.g. +33…"))
        return redirect("web:demo-phone")
    request.session[PHONE_SESSION_KEY] = sender
    if shop_number is None or not body:
        messages.error(request, _("Choose a shop number and write a text."))
        return redirect("web:demo-phone")
    payload = {"from": sender, "to": shop_number.number, "body": body}
    if shop_number.provider == Provider.VONAGE:
        payload["provider"] = "vonage"
    try:
        with _simulator() as http:
            answer = http.post(
                f"{settings.SMS_SIMULATOR_URL}/_sim/inbound", json=payload, timeout=15
            )
        answer.raise_for_status()
    except requests.RequestException:
        messages.error(request, _simulator_down())
    else:
        result = answer.json()
        if result.get("status") and result["status"] < 300:
            messages.success(request, _("Text sent to the shop."))
        else:
            messages.error(
                request,
                _("The shop's webhook did not accept the text (%(status)s).")
                % {"status": result.get("status") or result.get("error")},
            )
    return redirect("web:demo-phone")


def _simulator_down() -> str:
    return _("The SMS simulator does not answer at %(url)s. Start it with “make run”.") % {
        "url": settings.SMS_SIMULATOR_URL
    }


def _thread_context(current: str) -> dict:
    try:
        found = phone_conversation(current)
    except (requests.RequestException, ValueError):
        return {"texts": [], "simulator_error": _simulator_down()}
    return {"texts": found.get("messages", []), "opted_out_of": found.get("opted_out_of", [])}


@never_cache
@demo_only
def phone_messages(request):
    current = request.session.get(PHONE_SESSION_KEY, DEFAULT_PHONE)
    return render(request, "web/demo/_phone_texts.html", _thread_context(current))


# The shop website ----------------------------------------------------------------------

LOOPBACK_TWINS = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}


def shop_origin() -> str:
    """Where the sample shop website lives: the platform's own address under its
    other loopback name, so the widget runs cross-origin as on a real shop's site
    (a same-origin page would send no Origin header, which the widget API needs)."""
    public = urlsplit(settings.PUBLIC_BASE_URL)
    host = LOOPBACK_TWINS.get(public.hostname or "", public.hostname or "")
    return f"{public.scheme}://{host}" + (f":{public.port}" if public.port else "")


def shop_url() -> str:
    return shop_origin() + reverse("web:demo-shop")


@demo_only
def shop(request):
    """A sample bakery website with the demo widget, as a shop would embed it."""
    here = f"{request.scheme}://{request.get_host()}"
    if here != shop_origin() and shop_origin() != settings.PUBLIC_BASE_URL:
        query = request.GET.urlencode()
        return redirect(shop_url() + (f"?{query}" if query else ""))
    tenant = demo_tenant()
    widget = None
    if tenant is not None:
        widget = (
            conversation_selectors.widget_list(tenant=tenant)
            .filter(active=True)
            .order_by("created_at")
            .first()
        )
    # ?lang=fr: the shop's page in that language (its <html lang>), whatever the
    # browser's; ?widget_lang=en: the snippet's data-lang, which the widget puts first.
    page_language = request.GET.get("lang", "")
    if page_language in dict(settings.LANGUAGES):
        translation.activate(page_language)
    widget_language = request.GET.get("widget_lang", "")
    response = render(
        request,
        "web/demo/shop.html",
        {
            "widget": widget,
            "widget_language": widget_language
            if widget_language in dict(settings.LANGUAGES)
            else "",
            "demo_url": settings.PUBLIC_BASE_URL + reverse("web:demo"),
            "script_src": settings.PUBLIC_BASE_URL
            + reverse("widget-script", args=[widget.public_key])
            if widget
            else "",
        },
    )
    # This page stands in for a shop's own website: the widget adds its styles
    # in its shadow root and calls our public API at PUBLIC_BASE_URL.
    api = urlsplit(settings.PUBLIC_BASE_URL)
    platform = f"{api.scheme}://{api.netloc}"
    response.csp_extra = {
        "script-src": (platform,),
        "style-src": ("'unsafe-inline'",),
        "connect-src": (platform,),
    }
    return response
