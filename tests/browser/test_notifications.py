"""Notifications: the unread count in the tab's title follows the live feed,
and a mention in an internal note reaches its member (in-app notice, email).

Texts come from the demo's simulated phone through the SMS provider simulator
and the live server's webhooks; tasks run in-process.
"""

import re

from django.core import mail
from playwright.sync_api import expect

from conversations.models import Contact, Conversation
from conversations.services.messages import message_receive
from notifications.selectors import unread_conversation_count
from tests.browser.support import (
    LIVE_TIMEOUT,
    browser_test,
    no_problems,
    sign_in,
    text_the_shop,
    wait_live,
)

pytestmark = browser_test


def _title(count, page_name):
    prefix = rf"\({count}\) " if count else ""
    return re.compile(rf"^{prefix}{page_name} · Instaply$")


def test_the_tab_title_counts_unread_conversations_live(demo, simulator, new_page, shot):
    agent = new_page()
    sign_in(agent, demo, "agent")
    agent.goto(demo.url + "/inbox/")
    wait_live(agent)
    before = unread_conversation_count(member=demo.login("agent")["membership"])
    expect(agent).to_have_title(_title(before, "Inbox"))
    phone = new_page(width=420, height=860)

    # A text arrives: the title counts it without a reload.
    agent.evaluate("window.__sameDocument = true")
    text_the_shop(phone, demo, "+33677665544", "Do you have croissants left?")
    row = agent.locator("li.conv", has_text="croissants")
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(agent).to_have_title(_title(before + 1, "Inbox"), timeout=LIVE_TIMEOUT)
    assert agent.evaluate("window.__sameDocument === true"), "the inbox reloaded"

    # Reading it takes it off the count.
    row.locator("a").click()
    expect(agent).to_have_url(re.compile(r"/c/[0-9a-f-]+/$"))
    wait_live(agent)
    expect(agent).to_have_title(_title(before, "Conversation"))

    # While this one is open, a text to it is read at once; another customer's counts.
    text_the_shop(phone, demo, "+33677665544", "Two please")
    expect(agent.locator("#thread")).to_contain_text("Two please", timeout=LIVE_TIMEOUT)
    expect(agent).to_have_title(_title(before, "Conversation"))
    text_the_shop(phone, demo, "+33699887766", "Is the shop open on Sunday?")
    expect(agent).to_have_title(_title(before + 1, "Conversation"), timeout=LIVE_TIMEOUT)
    shot(agent, "01-title-counted")
    no_problems(agent)
    no_problems(phone)


def _conversation(demo, body):
    contact = Contact(tenant=demo.tenant, name="Léa Petit")
    contact.save(force_insert=True)
    conversation = Conversation.objects.create(
        tenant=demo.tenant, shop=demo.shop, contact=contact, channel="widget",
        endpoint_id=demo.widget.id,
    )  # fmt: skip
    message_receive(conversation=conversation, body=body)
    return conversation


def test_a_mention_in_a_note_notifies_its_member(demo, new_page, shot):
    conversation = _conversation(demo, "My order number is 4521, it never came.")
    viewer_person = demo.login("viewer")
    mail.outbox.clear()

    agent = new_page()
    sign_in(agent, demo, "agent")
    agent.goto(f"{demo.url}/c/{conversation.pk}/")
    wait_live(agent)
    agent.click("summary:has-text('Add an internal note')")
    box = agent.locator("#note-body")
    box.click()
    box.press_sequentially("Can you check the courier, @Demo V")
    suggestion = agent.locator("#mention-suggest li", has_text="@Demo Viewer")
    expect(suggestion).to_be_visible()
    shot(agent, "01-mention-suggested", docs="note-mention-suggestions")
    box.press("Enter")
    expect(box).to_have_value("Can you check the courier, @Demo Viewer ")
    box.press_sequentially("please?")
    agent.click("form.note-form button[type=submit]")
    mark = agent.locator("li.item.note mark.mention", has_text="@Demo Viewer")
    expect(mark).to_be_visible()
    expect(box).to_have_value("")

    # The email: to the viewer, a link and no customer words.
    assert [m.to for m in mail.outbox] == [[viewer_person["email"]]]
    [email] = mail.outbox
    assert f"/c/{conversation.pk}/" in email.body
    assert "4521" not in email.body and "courier" not in email.body

    # The in-app notice: the viewer's bell counts it; the notices page names who.
    viewer = new_page()
    sign_in(viewer, demo, "viewer")
    bell = viewer.locator("a.notices-link")
    expect(bell).to_have_attribute("data-unread", "1")
    bell.click()
    notice = viewer.locator("[data-mention-notice]")
    expect(notice).to_contain_text("Demo Agent mentioned you in a note")
    notice.locator("a", has_text="Open the conversation").click()
    expect(viewer).to_have_url(re.compile(rf"/c/{conversation.pk}/$"))
    expect(viewer.locator("li.item.note mark.mention-me")).to_have_text("@Demo Viewer")
    expect(viewer.locator("a.notices-link")).to_have_attribute("data-unread", "0")
    shot(viewer, "02-mention-highlighted", docs="note-mention")
    no_problems(agent)
    no_problems(viewer)
