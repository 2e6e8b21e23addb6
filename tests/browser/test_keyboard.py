"""Scenario 5: the inbox works from the keyboard alone: sign in, move through the
list, open a conversation, reply and send, with no mouse."""

import re

from playwright.sync_api import expect

from tests.browser.factories import widget_conversation
from tests.browser.support import browser_test, no_problems, wait_live

pytestmark = browser_test


def test_the_inbox_is_operable_by_keyboard(demo, new_page, shot):
    widget_conversation(demo, name="Nora", body="Can I order a cake for Saturday?")
    widget_conversation(demo, name="Yves", body="Thanks for yesterday!")
    page = new_page()
    keys = page.keyboard
    person = demo.login("agent")

    page.goto(demo.url + "/login/")  # the email field has the focus
    shot(page, "00-sign-in", docs="sign-in")
    keys.type(person["email"])
    keys.press("Tab")
    keys.type(person["password"])
    with page.expect_navigation():
        keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/(inbox/)?$"))  # the inbox is the home page
    wait_live(page)

    keys.press("Tab")  # the skip link comes first, and shows itself
    expect(page.locator(".skip-link")).to_be_focused()
    keys.press("j")
    keys.press("j")  # newest first: Yves, then Nora
    focused = page.locator("li.conv a:focus")
    expect(focused).to_contain_text("Nora")
    outline = focused.evaluate("a => getComputedStyle(a).outlineStyle")
    assert outline != "none", "the focused conversation shows no focus ring"
    shot(page, "01-row-focused", docs="keyboard-focus")
    with page.expect_navigation():
        keys.press("Enter")
    wait_live(page)
    expect(page.locator("#thread")).to_contain_text("Can I order a cake for Saturday?")

    keys.press("r")
    expect(page.locator("#reply-body")).to_be_focused()
    keys.type("Of course. Which flavour? /than")
    keys.press("Tab")  # the saved reply of /thanks
    expect(page.locator("#reply-body")).to_have_value(
        "Of course. Which flavour? Thank you for your message, we will get back to you shortly."
    )
    keys.press("Control+Enter")
    expect(page.locator("li.item.outbound", has_text="Which flavour?")).to_be_visible()
    expect(page.locator("#reply-body")).to_have_value("")
    expect(page.locator("#reply-body")).to_be_focused()
    shot(page, "02-sent-by-keyboard")

    keys.press("Escape")  # back to the list, on the open conversation, now the newest
    expect(page.locator("li.conv[aria-current=page] a")).to_be_focused()
    expect(page.locator("li.conv").first).to_contain_text("Nora")
    keys.press("j")
    expect(page.locator("li.conv a:focus")).to_contain_text("Yves")
    no_problems(page)
