"""Customer history: a text reopens the customer's recently closed conversation.

A customer's first conversation is long closed (past the reopen window); they
text again (a new conversation, following the first); an agent takes it and
closes it; the customer texts once more through the webhook: the conversation is
open again in the inbox with its assignee, the thread says it was reopened, and
the contact panel lists the first conversation.
"""

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import Conversation
from tests.browser.support import (
    LIVE_TIMEOUT,
    browser_test,
    no_problems,
    sign_in,
    text_the_shop,
    wait_live,
    worker_or_eager,
)

pytestmark = browser_test

PHONE = "+33655443322"


def test_history_reopening_a_recent_conversation(request, demo, simulator, new_page, shot):
    worker_or_eager(request)
    agent = new_page()
    sign_in(agent, demo, "agent")
    wait_live(agent)
    phone = new_page(width=420, height=860)
    name = demo.login("agent")["membership"].user.get_full_name()

    # The first conversation, closed a month ago: past the 7-day window.
    text_the_shop(phone, demo, PHONE, "Do you make gluten-free bread?")
    first_row = agent.locator("li.conv", has_text="gluten-free")
    expect(first_row).to_be_visible(timeout=LIVE_TIMEOUT)
    first = Conversation.objects.get(pk=first_row.get_attribute("data-id"))
    Conversation.objects.filter(pk=first.pk).update(
        status="closed", closed_at=timezone.now() - dt.timedelta(days=30)
    )

    # A new text opens a second conversation; the agent takes it and closes it.
    text_the_shop(phone, demo, PHONE, "Can I order a cake for Saturday?")
    agent.goto(demo.url + "/inbox/")
    row = agent.locator("li.conv", has_text="cake for Saturday")
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT)
    second_id = row.get_attribute("data-id")
    assert second_id != str(first.pk)
    row.locator("a").click()
    expect(agent).to_have_url(re.compile(rf"/c/{second_id}/$"))
    expect(agent.locator("[data-follows]")).to_contain_text("Follows the conversation of")
    with agent.expect_navigation():
        agent.click("form[action$='/assign'] button:has-text('Assign to me')")
    with agent.expect_navigation():
        agent.click("button[name=action][value=close]:not([data-bulk-action])")
    expect(agent.locator("#conversation-title .pill.status-closed")).to_be_visible()

    # The customer writes again, within the window: the same conversation reopens.
    text_the_shop(phone, demo, PHONE, "Sorry, make it Sunday please")
    agent.goto(demo.url + "/inbox/")
    wait_live(agent)
    row = agent.locator(f"li.conv[data-id='{second_id}']")
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(row).to_have_attribute("data-status", "open")
    expect(row.locator(".preview")).to_contain_text("make it Sunday")
    expect(row.locator(".meta")).to_contain_text(name)
    shot(agent, "01-inbox-reopened")

    row.locator("a").click()
    wait_live(agent)
    thread = agent.locator("#thread")
    expect(thread.locator("li.item.system[data-event=reopened]")).to_contain_text(
        "Reopened by a new message"
    )
    expect(thread).to_contain_text("make it Sunday")
    expect(agent.locator(".conv-head")).to_contain_text(name)  # the assignee stayed
    history = agent.locator(".previous-conversations")
    expect(history.locator(f"[data-history='{first.pk}']")).to_contain_text("gluten-free")
    expect(history.locator(f"[data-history='{first.pk}']")).to_contain_text("Closed")
    shot(agent, "02-thread-reopened", docs="conversation-history")

    history.locator(f"[data-history='{first.pk}'] a").click()
    expect(agent).to_have_url(re.compile(rf"/c/{first.pk}/$"))
    expect(agent.locator("#thread")).to_contain_text("gluten-free")
    assert Conversation.objects.filter(contact=first.contact).count() == 2
    no_problems(agent)
    no_problems(phone)
