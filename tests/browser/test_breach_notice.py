"""A breach notice, end to end in three browsers.

An incident affects the demo workspace and not a second one (made by the
breaches test factory: declaring is another part's page). Platform security
sends the pending notice from the console; the demo workspace's privacy member
sees the banner, opens the notice and acknowledges it, and the banner goes; a
member of the other workspace sees no banner and an empty register.
"""

import datetime as dt

from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from breaches.tests.factories import declared
from platform_staff.demo import demo_platform_staff_ensure
from tenants.demo import demo_tenant_ensure
from tests.browser.support import browser_test, console_sign_in, no_problems, sign_in
from web.tests.helpers import authenticator_for, current_code

pytestmark = browser_test


def sign_in_person(page, url: str, person: dict) -> None:
    """Signs a member of another workspace in, the authenticator code included."""
    page.goto(url + "/login/")
    page.fill("input[name=username]", person["email"])
    page.fill("input[name=password]", person["password"])
    with page.expect_navigation():
        page.click("form[action='/login/'] button[type=submit]")
    if "/login/verify/" in page.url:
        page.fill("input[name=code]", current_code(authenticator_for(person["membership"].user)))
        with page.expect_navigation():
            page.click("main form button[type=submit]")
    assert "/login/" not in page.url, page.url


def test_security_sends_and_the_affected_workspace_acknowledges(demo, new_page, shot):
    other = demo_tenant_ensure(name="Other Garage")
    incident, (notice,) = declared(
        aware_at=timezone.now() - dt.timedelta(hours=3), tenants=[demo.tenant]
    )
    security = demo_platform_staff_ensure()["security"]

    # Security sends the pending notice from the console.
    console = new_page()
    console_sign_in(console, demo, security)
    console.goto(f"{demo.url}/platform/incidents/{incident.pk}/notices/")
    row = console.locator(f"tr[data-notice='{notice.pk}']")
    expect(row).to_have_attribute("data-state", "pending")
    expect(row.locator(".time-left")).to_contain_text("left")
    with console.expect_navigation():
        row.get_by_role("button", name="Send").click()
    expect(row).to_have_attribute("data-state", "sent")
    expect(console.locator("main")).to_contain_text("Notice sent to demo-bakery")
    shot(console, "01-security-sent")
    assert {m.to[0] for m in mail.outbox} >= {demo.people["privacy"]["email"]}

    # The privacy member sees the banner, reads the notice, acknowledges it.
    privacy = new_page()
    sign_in(privacy, demo, "privacy")
    banner = privacy.locator("#breach-banner")
    expect(banner).to_contain_text(incident.reference)
    shot(privacy, "02-banner")
    with privacy.expect_navigation():
        banner.get_by_role("link", name="Read the notice").click()
    facts = privacy.locator("#notice-facts")
    expect(facts).to_contain_text("Unauthorised access")
    expect(facts).to_contain_text(incident.dpo_contact)
    expect(facts.locator("[data-count=subjects]")).to_have_text("120")
    shot(privacy, "03-notice")
    with privacy.expect_navigation():
        privacy.get_by_role("button", name="Acknowledge").click()
    expect(privacy.locator("#acknowledged")).to_contain_text("UTC")
    expect(privacy.locator("#breach-banner")).to_have_count(0)
    privacy.goto(demo.url + "/settings/breach-notices/")
    expect(privacy.locator("#breach-register")).to_contain_text(incident.reference)
    expect(privacy.locator("#breach-banner")).to_have_count(0)
    shot(privacy, "04-acknowledged")

    # The other workspace sees nothing: no banner, an empty register.
    outsider = new_page()
    sign_in_person(outsider, demo.url, other["people"]["privacy"])
    outsider.goto(demo.url + "/settings/breach-notices/")
    expect(outsider.locator("#breach-register")).to_contain_text(
        "No breach has concerned your workspace."
    )
    expect(outsider.locator("#breach-banner")).to_have_count(0)
    expect(outsider.locator("main")).not_to_contain_text(incident.reference)
    answer = outsider.goto(f"{demo.url}/settings/breach-notices/{notice.pk}/")
    assert answer.status == 404
    shot(outsider, "05-other-workspace")
    no_problems(privacy)
    no_problems(console)
