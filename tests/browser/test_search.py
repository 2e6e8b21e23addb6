"""Search over encrypted data: an agent finds a message by one of its words.

A visitor of the demo shop wrote about marzipan; a customer of another tenant
wrote about marzipan too. The agent types the word in the inbox's search box:
the search page shows the demo shop's message, linked to its conversation, and
nothing of the other tenant; the link opens the conversation.
"""

import re

from playwright.sync_api import expect

from conversations.services.contacts import contact_get_or_create
from conversations.services.messages import conversation_for_inbound, message_receive
from tenants.tests.factories import ShopFactory, TenantFactory
from tests.browser.factories import widget_conversation
from tests.browser.support import browser_test, no_problems, sign_in

pytestmark = browser_test


def _other_tenant_text(body: str) -> None:
    from conversations.models import Widget

    tenant = TenantFactory(name="Other Bakery")
    shop = ShopFactory(tenant=tenant)
    widget = Widget.objects.create(tenant=tenant, shop=shop)
    contact, _ = contact_get_or_create(tenant_id=tenant.id, kind="phone", value="+33677665544")
    conversation = conversation_for_inbound(
        shop=shop, contact=contact, channel="widget", endpoint_id=widget.pk
    )
    message_receive(conversation=conversation, body=body)


def test_a_search_by_a_word_of_a_message_finds_it_and_nothing_of_another_tenant(
    demo, new_page, shot
):
    conversation = widget_conversation(
        demo, name="Solène Marchand", body="Could the birthday cake have marzipan roses?"
    )
    _other_tenant_text("Other tenant: marzipan pigs for Christmas")
    agent = new_page()
    sign_in(agent, demo, "agent")
    agent.goto(demo.url + "/inbox/")
    agent.fill("#full-search", "Marzipan")
    with agent.expect_navigation():
        agent.click("form[data-full-search] button[type=submit]")
    found = agent.locator("[data-search-messages] .search-hits li")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("marzipan roses")
    expect(found).to_contain_text("Solène Marchand")
    expect(agent.locator("main")).not_to_contain_text("marzipan pigs")
    # The words stay out of the address bar.
    assert "marzipan" not in agent.url.lower()
    shot(agent, "01-found", docs="search")

    # A word of no message of this tenant: nothing, whatever another tenant wrote.
    agent.fill("#full-search", "pigs")
    with agent.expect_navigation():
        agent.click("form[data-full-search] button[type=submit]")
    expect(agent.locator("[data-search-messages]")).to_contain_text("No message holds")
    expect(agent.locator("main")).not_to_contain_text("marzipan pigs")

    agent.fill("#full-search", "marzipan")
    with agent.expect_navigation():
        agent.click("form[data-full-search] button[type=submit]")
    agent.locator("[data-search-messages] .search-hits a").click()
    expect(agent).to_have_url(re.compile(rf"/c/{conversation.pk}/$"))
    no_problems(agent)
