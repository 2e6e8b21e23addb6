"""Scenario 1: a text from a phone appears in the open inbox by itself; the agent
replies; the phone receives the SMS and the thread shows it delivered.

The phone is the demo's simulated phone page, which texts the shop through the
SMS provider simulator; the simulator calls the live server's webhooks signed
as Twilio does. On PostgreSQL a real Celery worker processes the webhook and
sends the reply; on the embedded default tasks run in-process.
"""

import re

from playwright.sync_api import expect

from tests.browser.support import (
    LIVE_TIMEOUT,
    browser_test,
    no_problems,
    sign_in,
    wait_live,
    worker_or_eager,
)

pytestmark = browser_test

PHONE = "+33611223344"


def test_a_text_appears_live_and_the_reply_is_delivered(request, demo, simulator, new_page, shot):
    worker_or_eager(request)
    agent = new_page()
    sign_in(agent, demo, "agent")
    expect(agent).to_have_url(re.compile(r"/(inbox/)?$"))  # the inbox is the home page
    wait_live(agent)
    agent.evaluate("window.__sameDocument = true")  # gone if the page reloads
    shot(agent, "01-inbox-before")

    phone = new_page(width=420, height=860)
    phone.goto(demo.url + "/demo/phone")
    phone.fill("#phone-from", PHONE)
    [number] = [n for n in demo.numbers if n["provider"] == "simulator"]
    phone.select_option("#phone-to", value=number["id"])
    phone.fill("#phone-body", "Hello! Is my birthday cake ready?")
    with phone.expect_navigation():
        phone.click("text=Send the text")
    expect(phone.locator(".messages")).to_contain_text("Text sent to the shop")
    shot(phone, "02-phone-sent")

    row = agent.locator("li.conv", has_text=PHONE)
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(row.locator(".preview")).to_contain_text(re.compile(r"birthday cake|closed"))
    expect(row.locator(".badge")).to_be_visible()
    assert agent.evaluate("window.__sameDocument === true"), "the inbox reloaded"
    shot(agent, "03-inbox-live", docs="inbox")

    row.locator("a").click()
    expect(agent).to_have_url(re.compile(r"/c/[0-9a-f-]+/$"))
    wait_live(agent)
    expect(agent.locator("#thread")).to_contain_text("Is my birthday cake ready?")
    expect(agent.locator("title")).not_to_contain_text(PHONE)  # no personal data in titles
    agent.fill("#reply-body", "Yes, it is ready: pick it up from 4 pm.")
    expect(agent.locator("[data-counter]")).to_contain_text("1 segment")
    agent.click("#reply-form button[type=submit]")
    reply = agent.locator("li.item.outbound", has_text="pick it up from 4 pm")
    expect(reply).to_be_visible()

    texts = phone.locator(".sms.received", has_text="pick it up from 4 pm")
    expect(texts).to_be_visible(timeout=LIVE_TIMEOUT)  # the phone page refreshes itself
    expect(reply.locator("[data-delivery]")).to_have_attribute(
        "data-delivery", "delivered", timeout=LIVE_TIMEOUT
    )
    expect(reply.locator("[data-delivery]")).to_have_text("Delivered")
    shot(agent, "04-reply-delivered", docs="conversation")
    shot(phone, "05-phone-received", docs="demo-phone")
    no_problems(agent)
    no_problems(phone)
