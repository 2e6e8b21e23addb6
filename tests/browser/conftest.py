"""Browser tests: Playwright drives Debian's Chromium against a live server.

The world is the development demo (seed_demo's tenant, numbers and widget) on
the test database, with the SMS provider simulator on a free loopback port
calling the live server's webhooks. On PostgreSQL with a broker, scenario 1
runs a real Celery worker (tests/conftest.py); elsewhere tasks run in-process.

Each test saves screenshots of its key steps under test-artifacts/screenshots/.
With INSTAPLY_DOCS_SCREENSHOTS=1 the steps that illustrate docs/screenshots.md
are also written there.
"""

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from channels_sms.demo import demo_numbers_ensure, simulator_accounts
from channels_sms.simulator import SimulatorServer
from conversations.demo import demo_inbox_ensure
from tenants.demo import demo_tenant_ensure
from tests.browser.support import CHROMIUM, FLAGS
from web.demo import shop_origin

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
TIMEOUT_MS = 15_000
LONG_POLL_SECONDS = 1


@pytest.fixture
def chromium(monkeypatch):
    """Chromium for one test. Playwright's sync API keeps an event loop running in
    this thread, which Django takes for async code; the test's own database calls
    are synchronous, so its guard is lifted for this test only."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=FLAGS, headless=True
        )
        yield browser
        browser.close()


@dataclass
class Demo:
    """The demo world on the live server: people by role, the shop, its numbers."""

    url: str
    tenant: object
    shop: object
    people: dict
    numbers: list
    widget: object

    def login(self, role: str) -> dict:
        return self.people[role]


@pytest.fixture
def demo(live_server, settings, transactional_db):
    settings.PUBLIC_BASE_URL = live_server.url
    settings.ENVIRONMENT = "development"  # the demo pages exist in development only
    settings.DEBUG = False
    # Short long-polls, so none is still waiting on the database when the test ends.
    settings.INBOX_EVENTS_WAIT_SECONDS = LONG_POLL_SECONDS
    seeded = demo_tenant_ensure(name="Demo Bakery")
    numbers = demo_numbers_ensure(tenant=seeded["tenant"], shop=seeded["shop"])
    widget = demo_inbox_ensure(shop=seeded["shop"])
    # The demo shop answers out of hours; tests watch people's messages only,
    # whatever the hour they run at.
    seeded["shop"].auto_reply_text = ""
    seeded["shop"].save(update_fields=["auto_reply_text"])
    # The sample shop site is the live server under its other loopback name.
    widget.allowed_origins = [*widget.allowed_origins, shop_origin()]
    widget.save(update_fields=["allowed_origins"])
    return Demo(
        url=live_server.url,
        tenant=seeded["tenant"],
        shop=seeded["shop"],
        people=seeded["people"],
        numbers=numbers,
        widget=widget,
    )


@pytest.fixture
def simulator(demo, settings):
    """The SMS provider simulator knowing the demo accounts, webhooks at the live server."""
    with SimulatorServer(port=0, status_delay=0.05) as server:
        settings.SMS_SIMULATOR_URL = server.url
        for account in simulator_accounts():
            server.add_account(**account)
        yield server


@pytest.fixture
def new_page(chromium, request):
    """Opens a page in a fresh browser profile (its own cookies); closes them all after."""
    contexts = []

    def open_page(width: int = 1280, height: int = 800, locale: str = "en-GB"):
        context = chromium.new_context(
            viewport={"width": width, "height": height},
            locale=locale,
            timezone_id="Europe/Paris",
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.problems = []
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        page.on(
            "console",
            lambda message: message.type == "error" and page.problems.append(message.text),
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
    time.sleep(LONG_POLL_SECONDS + 0.5)  # the last long-polls of the closed pages end
    if connection.vendor == "postgresql":
        # Connections the live server's threads gave back stay open in the shared
        # pool; close them (this thread's first), or the test database cannot be
        # dropped at the end of the session.
        connection.close()
        connection.close_pool()


@pytest.fixture
def shot(request):
    """shot(page, "step") saves test-artifacts/screenshots/<test>/<step>.png."""
    folder = SCREENSHOTS / re.sub(r"[^\w-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, step: str, docs: str | None = None):
        page.screenshot(path=str(folder / f"{step}.png"))
        if docs and os.environ.get("INSTAPLY_DOCS_SCREENSHOTS"):
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(DOCS_SCREENSHOTS / f"{docs}.png"))

    return take
