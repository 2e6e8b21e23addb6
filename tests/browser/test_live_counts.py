"""The inbox's counts follow the live feed without a reload: the status tabs
(counts.js, from GET /api/v1/conversations/status-counts, only after a batch that
could change them) and the badge of the Notices link (notify.js, from
GET /api/v1/me/unread).

Texts come from the demo's simulated phone through the SMS provider simulator
and the live server's webhooks, handled by a real worker on PostgreSQL with a
broker (in-process otherwise); colleagues act through the services.
"""

from playwright.sync_api import expect

from conversations.models import Conversation
from conversations.services.inbox import conversation_set_status, note_add
from notifications.selectors import mention_list
from notifications.services.mentions import mention_mark_read
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


def _count(page, status) -> int:
    return int(page.locator(f'[data-status-count="{status}"]').inner_text())


def test_tab_counts_and_the_notices_badge_follow_the_live_feed(
    request, demo, simulator, new_page, shot
):
    worker_or_eager(request)
    owner = demo.login("owner")["membership"]
    agent_member = demo.login("agent")["membership"]
    agent = new_page()
    sign_in(agent, demo, "agent")
    agent.goto(demo.url + "/inbox/")
    wait_live(agent)
    opened, closed = _count(agent, "open"), _count(agent, "closed")
    tab = agent.locator('[data-status-count="open"]')
    agent.evaluate("window.__sameDocument = true")
    phone = new_page(width=420, height=860)

    # A conversation arrives, then a second one: the Open tab counts each.
    text_the_shop(phone, demo, "+33644332211", "Are there any macarons left?")
    expect(agent.locator("li.conv", has_text="macarons")).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(tab).to_have_text(str(opened + 1), timeout=LIVE_TIMEOUT)
    text_the_shop(phone, demo, "+33644332212", "Do you deliver on Sundays?")
    row = agent.locator("li.conv", has_text="deliver on Sundays")
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(tab).to_have_text(str(opened + 2), timeout=LIVE_TIMEOUT)
    shot(agent, "01-open-tab-counted")

    # A colleague closes it: one less open, one more closed.
    conversation = Conversation.objects.get(pk=row.get_attribute("data-id"))
    conversation_set_status(actor=owner, conversation=conversation, status="closed")
    expect(tab).to_have_text(str(opened + 1), timeout=LIVE_TIMEOUT)
    expect(agent.locator('[data-status-count="closed"]')).to_have_text(
        str(closed + 1), timeout=LIVE_TIMEOUT
    )

    # A colleague mentions the agent in a note: the Notices badge counts it.
    bell = agent.locator("a.notices-link")
    notices = int(bell.get_attribute("data-unread"))
    note_add(actor=owner, conversation=conversation, body="@Demo Agent can you call them back?")
    expect(bell).to_have_attribute("data-unread", str(notices + 1), timeout=LIVE_TIMEOUT)
    badge = bell.locator(".badge")
    expect(badge).to_have_text(f"unread: {notices + 1}")
    expect(badge.locator(".visually-hidden")).to_have_text("unread:")
    shot(agent, "02-notices-badge-counted")

    # Read elsewhere (another tab): counted again when this tab is back in view.
    [mention] = mention_list(member=agent_member, unread=True)[:1]
    mention_mark_read(member=agent_member, mention=mention)
    agent.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(bell).to_have_attribute("data-unread", str(notices), timeout=LIVE_TIMEOUT)
    if notices == 0:
        expect(badge).to_have_count(0)
    assert agent.evaluate("window.__sameDocument === true"), "the inbox reloaded"
    no_problems(agent)
    no_problems(phone)
