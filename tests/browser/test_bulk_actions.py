"""Working faster: an agent selects several conversations of the list (a click,
then Shift+click for the range) and closes them in one action; the page says how
many were closed and the list shows the ones left."""

from playwright.sync_api import expect

from conversations.models import Conversation
from tests.browser.factories import widget_conversation
from tests.browser.support import browser_test, no_problems, sign_in, wait_live

pytestmark = browser_test


def test_a_bulk_close_of_several_conversations(demo, new_page, shot):
    names = ["Anna", "Bruno", "Chloé", "Driss", "Emma"]
    made = {name: widget_conversation(demo, name=name, body=f"Hello from {name}") for name in names}
    page = new_page()
    sign_in(page, demo, "agent")
    wait_live(page)
    bar = page.locator("#bulk-form")
    expect(bar.locator("[data-bulk-actions]")).to_be_hidden()  # nothing selected yet
    expect(page.locator('[data-status-count="open"]')).to_have_text("5")

    rows = page.locator("li.conv")
    expect(rows).to_have_count(5)
    # Newest first: Emma, Driss, Chloé, Bruno, Anna. Emma, then Shift+click on Bruno.
    rows.nth(0).locator("input.bulk-pick").click()
    rows.nth(3).locator("input.bulk-pick").click(modifiers=["Shift"])
    expect(bar.locator("[data-bulk-count]")).to_have_text("4 selected")
    expect(page.locator("li.conv.picked")).to_have_count(4)
    expect(rows.nth(4).locator("input.bulk-pick")).not_to_be_checked()
    shot(page, "01-four-selected", docs="bulk-actions")

    with page.expect_navigation():
        bar.locator("button[data-bulk-action=close]").click()
    wait_live(page)
    expect(page.locator(".messages")).to_contain_text("4 conversations closed.")
    expect(page.locator("li.conv")).to_have_count(1)
    expect(page.locator("li.conv")).to_contain_text("Anna")
    expect(page.locator('[data-status-count="open"]')).to_have_text("1")
    expect(page.locator('[data-status-count="closed"]')).to_have_text("4")
    closed = Conversation.objects.filter(pk__in=[c.pk for c in made.values()], status="closed")
    assert sorted(c.contact.name for c in closed) == ["Bruno", "Chloé", "Driss", "Emma"]

    # "All on this page" takes every row left.
    bar.locator("[data-bulk-all]").check()
    expect(bar.locator("[data-bulk-count]")).to_have_text("1 selected")
    no_problems(page)
