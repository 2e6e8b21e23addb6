"""Keyboard shortcuts beyond moving through the list: ? shows them all in a
dialog, a assigns the open conversation to me, c closes it, x selects a row;
none of them fires while typing."""

from playwright.sync_api import expect

from conversations.models import Conversation
from tests.browser.factories import widget_conversation
from tests.browser.support import browser_test, no_problems, sign_in, wait_live

pytestmark = browser_test


def test_shortcuts_help_assign_to_me_and_close(demo, new_page, shot):
    conversation = widget_conversation(demo, name="Nora", body="Is the shop open on Sunday?")
    widget_conversation(demo, name="Yves", body="Thanks!")
    page = new_page()
    keys = page.keyboard
    sign_in(page, demo, "agent")
    wait_live(page)

    keys.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-shortcuts-close]")).to_be_focused()
    expect(dialog).to_contain_text("Close the conversation, or the selected ones")
    shot(page, "01-shortcuts", docs="shortcuts")
    keys.press("Escape")
    expect(dialog).to_be_hidden()

    keys.press("j")  # Yves, the newest
    keys.press("j")
    expect(page.locator("li.conv a:focus")).to_contain_text("Nora")
    keys.press("x")
    expect(page.locator("#bulk-form [data-bulk-count]")).to_have_text("1 selected")
    keys.press("x")
    expect(page.locator("#bulk-form [data-bulk-actions]")).to_be_hidden()
    with page.expect_navigation():
        keys.press("Enter")
    wait_live(page)

    keys.press("r")
    keys.type("c")  # typing: no shortcut fires
    expect(page.locator("#reply-body")).to_have_value("c")
    keys.press("Escape")
    conversation.refresh_from_db()
    assert conversation.status == "open"

    with page.expect_navigation():
        keys.press("a")
    name = demo.login("agent")["membership"].user.get_full_name()
    expect(page.locator(".conv-head .toolbar")).to_contain_text(name)
    with page.expect_navigation():
        keys.press("c")
    expect(page.locator(".messages")).to_contain_text("Conversation closed.")
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED
    assert conversation.assignee_id == demo.login("agent")["membership"].id
    no_problems(page)
