"""Product analytics in two browsers: the DPO reads, in the console, what the
demo workspace's activity recorded (the local sink: no Mixpanel token here),
payloads exactly as they would leave; the workspace's admin, on a phone-sized
screen, reads the list of everything that may be sent in Settings → Product
analytics and opts the workspace out with the keyboard."""

from playwright.sync_api import expect

from analytics.models import AnalyticsEvent
from analytics.sending import events_flush
from platform_staff.demo import demo_platform_staff_ensure
from tests.browser.factories import widget_conversation
from tests.browser.support import browser_test, console_sign_in, no_problems, sign_in

pytestmark = browser_test


def test_the_dpo_sees_recorded_events_and_an_admin_opts_out(demo, new_page, shot, settings):
    settings.MIXPANEL_TOKEN = ""
    widget_conversation(demo, name="Lucie Martin", body="Is my cake ready?")
    assert events_flush() >= 1  # at least the message received

    console = new_page()
    console_sign_in(console, demo, demo_platform_staff_ensure()["dpo"])
    console.locator(".subnav").get_by_role("link", name="Product analytics").click()
    expect(console.locator("#analytics-destination")).to_contain_text("local sink")
    row = console.locator("#analytics-counts tr[data-event=message_received]")
    expect(row.locator("[data-state=recorded]")).to_have_text("1")
    payload = console.locator(".analytics-payload[data-state=recorded]").first
    expect(payload.locator("pre")).to_contain_text('"distinct_id"')
    expect(console.locator("main")).not_to_contain_text("Lucie Martin")
    expect(console.locator("main")).not_to_contain_text("cake")
    shot(console, "01-console")
    no_problems(console)

    admin = new_page(width=390, height=844)
    sign_in(admin, demo, "admin")
    admin.goto(demo.url + "/settings/")
    admin.locator(".subnav").get_by_role("link", name="Product analytics").click()
    expect(admin.locator("#analytics-allowlist tr[data-event=first_response]")).to_contain_text(
        "under_5m"
    )
    expect(admin.locator("#analytics-state")).to_contain_text("counts in the anonymous")
    box = admin.locator("#analytics-opt-out")
    box.focus()
    admin.keyboard.press("Space")
    expect(box).to_be_checked()
    admin.keyboard.press("Tab")
    with admin.expect_navigation():
        admin.keyboard.press("Enter")
    expect(admin.locator("#analytics-state")).to_contain_text("opted out")
    expect(admin.locator("#analytics-opt-out")).to_be_checked()
    width = admin.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at 390 px ({width} px)"
    shot(admin, "02-opted-out-390px")
    no_problems(admin)

    demo.tenant.refresh_from_db()
    assert demo.tenant.analytics_opt_out
    before = AnalyticsEvent.objects.count()
    widget_conversation(demo, name="Marc Petit", body="Any croissants?")
    assert AnalyticsEvent.objects.count() == before
