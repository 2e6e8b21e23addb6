"""Scenario 4: an admin revokes an agent whose page is open; the agent's next
action lands on the sign-in page."""

import re

from playwright.sync_api import expect

from tests.browser.factories import widget_conversation
from tests.browser.support import browser_test, sign_in, wait_live

pytestmark = browser_test


def test_a_revoked_agent_is_sent_to_sign_in(demo, new_page, shot):
    conversation = widget_conversation(demo, name="Hugo", body="Where is my order?")
    agent = new_page()
    sign_in(agent, demo, "agent")
    # The page's live feed would notice the revocation by itself within a second
    # here and reload to the sign-in page; hold it, as a 25-second long-poll in
    # flight would be, so what is tested is the agent's own next action.
    agent.route("**/api/v1/events*", lambda route: None)
    agent.goto(f"{demo.url}/c/{conversation.id}/")
    wait_live(agent)
    agent.fill("#reply-body", "Let me check with the kitchen.")
    shot(agent, "01-agent-working")

    admin = new_page()
    sign_in(admin, demo, "admin")  # with the authenticator code
    admin.goto(demo.url + "/settings/members/")
    agent_id = demo.people["agent"]["membership"].id
    row = admin.locator(f"tr[data-member='{agent_id}']")
    expect(row).to_contain_text("agent@demo-bakery.example")
    expect(row).to_contain_text("Off")  # the agent has no second factor
    shot(admin, "02-members", docs="settings-members")
    admin.once("dialog", lambda dialog: dialog.accept())
    with admin.expect_navigation():
        row.locator("text=Revoke access").click()
    expect(admin.locator(".messages")).to_contain_text("no longer has access")
    expect(row).to_contain_text("Access revoked")
    shot(admin, "03-revoked")

    # The agent's next action: sending the reply already typed.
    agent.click("#reply-form button[type=submit]")
    expect(agent).to_have_url(re.compile(r"/login/"))
    expect(agent.locator(".messages")).to_contain_text("Your access to this workspace has ended.")
    expect(agent.locator("input[name=username]")).to_be_visible()
    shot(agent, "04-agent-signed-out")
    agent.goto(f"{demo.url}/c/{conversation.id}/")
    expect(agent).to_have_url(re.compile(r"/login/"))
    assert [m.body for m in conversation.messages.all()] == ["Where is my order?"]
