"""Scenario 2: a visitor of the sample shop website chats through the widget; the
agent sees it arrive, replies, and the widget shows the reply."""

import re

from playwright.sync_api import expect

from tests.browser.support import LIVE_TIMEOUT, browser_test, no_problems, sign_in, wait_live

pytestmark = browser_test


def test_a_website_visitor_and_an_agent_talk(demo, new_page, shot):
    agent = new_page()
    sign_in(agent, demo, "agent")
    wait_live(agent)

    visitor = new_page(width=900, height=800)
    visitor.goto(demo.url + "/demo/shop")  # redirected to the shop's own origin
    assert not visitor.url.startswith(demo.url)
    expect(visitor.locator("h1")).to_have_text("The Demo Bakery")
    visitor.click("button.bubble")  # inside the widget's shadow root
    visitor.fill("input[name=name]", "Camille")
    visitor.check("#instaply-age-adult")
    visitor.click("text=Start chat")
    message = visitor.locator("textarea[aria-label='Your message']")
    message.fill("Do you have gluten-free bread today?")
    message.press("Enter")
    expect(visitor.locator(".msg.in .text")).to_have_text("Do you have gluten-free bread today?")
    shot(visitor, "01-visitor-wrote", docs="demo-shop")

    row = agent.locator("li.conv", has_text="Camille")
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(row).to_contain_text("Website chat")
    row.locator("a").click()
    expect(agent).to_have_url(re.compile(r"/c/[0-9a-f-]+/$"))
    wait_live(agent)
    expect(agent.locator("#thread")).to_contain_text("gluten-free bread")
    expect(agent.locator("[data-counter]")).to_have_count(0)  # no SMS segments on a chat
    agent.fill("#reply-body", "Yes, a buckwheat loaf. Shall we keep one for you?")
    agent.click("#reply-form button[type=submit]")
    expect(agent.locator("li.item.outbound", has_text="buckwheat loaf")).to_be_visible()
    shot(agent, "02-agent-replied")

    answer = visitor.locator(".msg.out", has_text="buckwheat loaf")
    expect(answer).to_be_visible(timeout=LIVE_TIMEOUT)  # the widget polls every 3 s
    shot(visitor, "03-visitor-got-reply")

    # On a phone's width the conversation fits the screen, one pane at a time.
    agent.set_viewport_size({"width": 360, "height": 760})
    expect(agent.locator(".list-pane")).to_be_hidden()
    expect(agent.locator(".conv-head .back")).to_be_visible()
    assert agent.evaluate("document.documentElement.scrollWidth") <= 360
    shot(agent, "04-phone-width", docs="conversation-phone")
    no_problems(agent)
    no_problems(visitor)
