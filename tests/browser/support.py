"""Helpers of the browser tests: the Chromium they drive, signing in, waiting."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from web.tests.helpers import authenticator_for, current_code

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# How long a page waits for what the live feed brings: the feed answers within
# ~2 s, and a worker may take a moment to start (a test whose texts go through
# more tasks, such as a file's thumbnail, waits longer).
LIVE_TIMEOUT = 20_000

# Every browser test module: marked, and skipped only when Chromium is absent, or
# on the embedded default: scenario suites run once, on PostgreSQL (.ci/run runs
# the suite on both; the pages are the same code on either database).
browser_test = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's Chromium (/usr/bin/chromium) is not installed; `make test` and "
        ".ci/run install it with apt-get (package chromium)",
    ),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="browser scenarios run once, on PostgreSQL (DATABASE_URL)",
    ),
]


def console_sign_in(page, demo, person: dict) -> None:
    """Signs a platform person in to the console: password, then the TOTP code."""
    from base64 import b32decode

    from django_otp.oath import totp

    page.goto(demo.url + "/platform/login/")
    page.fill("input[name=username]", person["email"])
    page.fill("input[name=password]", person["password"])
    with page.expect_navigation():
        page.click("form[action='/platform/login/'] button[type=submit]")
    page.fill("input[name=code]", f"{totp(b32decode(person['totp_secret'])):06d}")
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def sign_in(page, demo, role: str) -> None:
    """Signs in through the real pages, the authenticator code included when asked."""
    person = demo.login(role)
    page.goto(demo.url + "/login/")
    page.fill("input[name=username]", person["email"])
    page.fill("input[name=password]", person["password"])
    with page.expect_navigation():
        page.click("form[action='/login/'] button[type=submit]")
    if "/login/verify/" in page.url:
        device = authenticator_for(person["membership"].user)
        page.fill("input[name=code]", current_code(device))
        with page.expect_navigation():
            page.click("main form button[type=submit]")
    assert "/login/" not in page.url, f"{role} could not sign in: {page.url}"


def wait_live(page) -> None:
    """Waits until the inbox script took over (its live feed and keyboard)."""
    page.wait_for_selector(".inbox-layout[data-live=ready]", state="attached")


def no_problems(page) -> None:
    problems = [p for p in page.problems if "favicon" not in p]
    assert problems == [], problems


def worker_or_eager(request):
    """A real worker on PostgreSQL with a broker; tasks in-process otherwise."""
    from django.db import connection

    if connection.vendor == "postgresql" and settings.REDIS_URL:
        return request.getfixturevalue("worker")
    return None


def text_the_shop(phone, demo, sender: str, body: str) -> None:
    """A text from ``sender`` to the demo shop's simulator number, sent from the
    demo phone page (the provider simulator posts the signed webhook)."""
    from playwright.sync_api import expect

    phone.goto(demo.url + "/demo/phone")
    phone.fill("#phone-from", sender)
    [number] = [n for n in demo.numbers if n["provider"] == "simulator"]
    phone.select_option("#phone-to", value=number["id"])
    phone.fill("#phone-body", body)
    with phone.expect_navigation():
        phone.click("text=Send the text")
    expect(phone.locator(".messages")).to_contain_text("Text sent to the shop")
