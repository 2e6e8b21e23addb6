"""Headers every response carries, and the narrow ways a view may relax them."""

import os
import re
import subprocess
import sys

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from instaply.tests.test_production_settings import PASSTHROUGH, ROOT, production_env
from tenants.models import Role
from web.tests.helpers import sign_in, verified_client

pytestmark = pytest.mark.django_db

STRICT = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: sources
        for name, *sources in (part.split() for part in policy.split(";") if part.strip())
    }


@pytest.mark.parametrize("path", ["/login/", "/no/such/page/", "/invite/t/inv_x/"])
def test_pages_carry_the_strict_policy_and_deny_framing(client, path):
    response = client.get(path)
    assert response["Content-Security-Policy"] == STRICT
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_signed_in_pages_and_api_answers_carry_them_too(tenant_a):
    browser = verified_client(tenant_a.owner.user)
    for path in ("/", "/account/security/", "/login/enrol/", "/api/v1/me"):
        response = browser.get(path)
        assert response.status_code == 200, path
        assert response["Content-Security-Policy"] == STRICT, path
        assert response["X-Frame-Options"] == "DENY", path


def test_no_page_allows_inline_scripts(client):
    for path in ("/login/", "/api/docs/", "/no/such/page/"):
        script_src = _directives(client.get(path))["script-src"]
        assert script_src == ["'self'"], path


def test_our_templates_have_no_inline_script_or_style(tenant_a):
    browser = verified_client(tenant_a.owner.user)
    pages = [browser.get(p).content.decode() for p in ("/", "/account/security/", "/login/enrol/")]
    pages.append(Client().get("/login/").content.decode())
    for html in pages:
        # Scripts are files of ours (src=...), never inline code.
        for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
            assert " src=" in attributes and not body.strip(), attributes
        assert "<style" not in html and " style=" not in html
        assert not re.search(r"\son[a-z]+=", html)  # no onclick= and friends


def test_referrer_policy(client):
    assert client.get("/login/")["Referrer-Policy"] == "same-origin"


def test_pages_opened_from_a_secret_link_show_their_form_without_the_token(tenant_a):
    """An invitation or password-reset link is traded for a session entry and an
    address without its token: the form page keeps ``same-origin`` (``no-referrer``
    makes Chromium post ``Origin: null``, refused by the CSRF check), and no Referer
    it causes, not even to our own assets, can carry the token."""
    browser = Client()
    invitation = browser.get("/invite/some-tenant/inv_token/", follow=True)
    assert invitation.redirect_chain == [("/invite/some-tenant/join/", 302)]
    assert invitation["Referrer-Policy"] == "same-origin"
    assert b'name="password"' in invitation.content and b"inv_token" not in invitation.content

    agent = tenant_a.members[Role.AGENT].user
    uid = urlsafe_base64_encode(force_bytes(agent.pk))
    token = default_token_generator.make_token(agent)
    reset = browser.get(f"/password-reset/{uid}/{token}/", follow=True)
    assert reset.redirect_chain == [(f"/password-reset/{uid}/set-password/", 302)]
    assert reset["Referrer-Policy"] == "same-origin"
    assert b"new_password1" in reset.content and token.encode() not in reset.content


def test_the_api_docs_relax_styles_and_workers_for_that_page_only(client):
    docs = _directives(client.get("/api/docs/"))
    assert docs["style-src"] == ["'self'", "'unsafe-inline'"]
    assert docs["worker-src"] == ["'self'", "blob:"]
    assert docs["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in _directives(client.get("/login/"))["style-src"]


def test_frameable_views_name_who_may_frame_them(client, settings):
    settings.ROOT_URLCONF = "instaply.tests.frame_urls"
    plain = client.get("/plain")
    assert plain["X-Frame-Options"] == "DENY"
    assert _directives(plain)["frame-ancestors"] == ["'none'"]

    framed = client.get("/frame")
    assert "X-Frame-Options" not in framed
    assert _directives(framed)["frame-ancestors"] == ["https://shop.example"]
    assert _directives(framed)["script-src"] == ["'self'"]

    per_request = client.get("/frame-per-request", {"origin": "https://other.example"})
    assert _directives(per_request)["frame-ancestors"] == ["https://other.example"]

    # Marked frameable but naming nobody: still unframeable.
    assert _directives(client.get("/frame-nobody"))["frame-ancestors"] == ["'none'"]


def test_extending_a_directive_keeps_self(client, settings):
    settings.ROOT_URLCONF = "instaply.tests.frame_urls"
    extended = _directives(client.get("/extended"))
    assert extended["img-src"] == ["'self'", "data:", "https://images.example"]
    assert extended["connect-src"] == ["'self'", "https://events.example"]


def test_the_session_cookie_is_http_only_and_same_site_lax(tenant_a):
    response = sign_in(Client(), tenant_a.members[Role.AGENT].user)
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_every_form_is_csrf_protected(tenant_a):
    strict = Client(enforce_csrf_checks=True)
    agent = tenant_a.members[Role.AGENT].user
    assert sign_in(strict, agent).status_code == 403
    # Each POST form we render carries the token.
    browser = verified_client(tenant_a.owner.user)
    for path in ("/", "/account/security/", "/login/enrol/"):
        html = browser.get(path).content.decode()
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", html, re.S)
        assert forms, path
        assert all("csrfmiddlewaretoken" in form for form in forms), path


def test_production_turns_on_https_hsts_and_secure_cookies():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, "
        "'instaply.security_headers.ContentSecurityPolicyMiddleware' in s.MIDDLEWARE)"
    )
    base = {k: os.environ[k] for k in PASSTHROUGH if k in os.environ}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=base | {"DJANGO_SETTINGS_MODULE": "instaply.settings"} | production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "True", "True", "Lax", "True"]
