"""A website visitor consents to special-category data in the widget, writes
under the consent, then withdraws it: the message leaves the staff's inbox
thread and the contact panel's ledger shows the consent given, then withdrawn."""

import re

from playwright.sync_api import expect

from conversations.widget.admin_services import widget_update
from tests.browser.support import LIVE_TIMEOUT, browser_test, no_problems, sign_in, wait_live

pytestmark = browser_test

TEXT = "I agree that The Demo Bakery uses the health details I give here to answer me."


def test_a_visitor_consents_writes_and_withdraws(demo, new_page, shot):
    widget_update(
        actor=demo.login("owner")["membership"],
        widget=demo.widget,
        special_category_consent=True,
        special_category_text=TEXT,
    )
    agent = new_page()
    sign_in(agent, demo, "agent")
    wait_live(agent)

    visitor = new_page(width=900, height=800)
    visitor.goto(demo.url + "/demo/shop")
    visitor.click("button.bubble")  # inside the widget's shadow root
    visitor.fill("input[name=name]", "Noémie")
    visitor.check("#instaply-age-adult")
    visitor.click("text=Start chat")
    box = visitor.locator(".consent")
    expect(box).to_contain_text(TEXT)
    expect(box).to_contain_text("do not share health or other sensitive details")
    visitor.locator("textarea[aria-label='Your message']").fill("Do you bake gluten-free?")
    visitor.locator("textarea[aria-label='Your message']").press("Enter")
    expect(visitor.locator(".msg.in")).to_have_count(1)
    visitor.check("#instaply-special-consent")
    expect(box).to_contain_text("your consent is recorded")
    expect(visitor.locator("#instaply-special-consent")).to_be_disabled()
    message = visitor.locator("textarea[aria-label='Your message']")
    message.fill("I have coeliac disease, is the rye safe?")
    message.press("Enter")
    expect(visitor.locator(".msg.in", has_text="coeliac")).to_be_visible()
    shot(visitor, "01-consented-and-wrote")

    row = agent.locator("li.conv", has_text="Noémie")
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT)
    row.locator("a").click()
    expect(agent).to_have_url(re.compile(r"/c/[0-9a-f-]+/$"))
    wait_live(agent)
    expect(agent.locator("#thread")).to_contain_text("coeliac disease")
    panel = agent.locator("[data-consent-panel]")
    expect(panel.locator("[data-consent-state=special_category_data]")).to_contain_text("Given")
    shot(agent, "02-agent-sees-the-consent")

    visitor.click("text=Withdraw my consent")
    visitor.click("text=Withdraw and delete")
    expect(box).to_contain_text("Your consent is withdrawn; 1 message deleted.")
    expect(visitor.locator(".msg.in", has_text="coeliac")).to_have_count(0)
    expect(visitor.locator(".msg.in", has_text="gluten-free")).to_be_visible()
    expect(visitor.locator("#instaply-special-consent")).not_to_be_checked()
    shot(visitor, "03-withdrawn")

    # The open thread refreshes from the live feed: the message is gone.
    expect(agent.locator("#thread")).not_to_contain_text("coeliac", timeout=LIVE_TIMEOUT)
    expect(agent.locator("#thread")).to_contain_text("gluten-free")
    agent.reload()
    entries = agent.locator("[data-consent-panel] [data-consent-entry]")
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text("Given")
    expect(entries.nth(1)).to_contain_text("Withdrawn")
    expect(entries.nth(1)).to_contain_text("1 message deleted")
    expect(entries.nth(0)).to_contain_text("text version 1")
    expect(panel.locator("[data-consent-state=special_category_data]")).to_contain_text("Withdrawn")
    agent.locator("[data-consent-panel]").scroll_into_view_if_needed()
    shot(agent, "04-ledger-given-then-withdrawn")
    no_problems(agent)
    no_problems(visitor)
