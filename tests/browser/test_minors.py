"""Minors: an agent marks a contact as 15 to 17; the conversation shows the
banner and a disabled reply box; the agent records the parent's authorisation
(who, when, how), and the reply goes out."""

import re

from playwright.sync_api import expect

from conversations.models import Contact, Conversation, Message
from privacy.consent.selectors import consent_current, consent_ledger
from tests.browser.factories import widget_conversation
from tests.browser.support import browser_test, no_problems, sign_in, wait_live

pytestmark = browser_test


def test_a_held_minor_gets_replies_once_the_authorisation_is_recorded(demo, new_page, shot):
    conversation = widget_conversation(demo, name="Inès", body="Can I order a birthday cake?")
    agent = new_page()
    sign_in(agent, demo, "agent")
    wait_live(agent)
    agent.locator("li.conv", has_text="Inès").locator("a").click()
    expect(agent).to_have_url(re.compile(rf"/c/{conversation.id}/$"))
    wait_live(agent)
    expect(agent.locator("#reply-body")).to_be_enabled()

    # The age control asks first: it is the one that can also mark a child.
    agent.select_option("#age-status", "minor_unauthorised")
    agent.once("dialog", lambda dialog: dialog.accept())
    with agent.expect_navigation():
        agent.click("form.minors-age button[type=submit]")
    banner = agent.locator("[data-minor-banner=held]")
    expect(banner).to_contain_text("Replies are blocked until parental authorisation is recorded.")
    expect(agent.locator("#reply-body")).to_have_count(0)
    expect(agent.locator("#reply-blocked-body")).to_be_disabled()
    expect(agent.locator("[data-reply-blocked]")).to_contain_text(
        "no parental authorisation is recorded"
    )
    expect(agent.locator(".contact-pane")).to_contain_text("15–17, no parental authorisation")
    shot(agent, "01-held-minor")

    banner.locator("summary").click()
    agent.fill("#authorisation-given_by", "Her mother, Nadia")
    expect(agent.locator("#authorisation-given_on")).not_to_have_value("")  # today by default
    agent.select_option("#authorisation-method", "phone")
    shot(agent, "02-authorisation-form")
    with agent.expect_navigation():
        agent.click("form.minors-authorisation button[type=submit]")
    expect(agent.locator(".messages")).to_contain_text("Parental authorisation recorded")
    expect(agent.locator("[data-minor-banner]")).to_have_count(0)
    expect(agent.locator(".contact-pane")).to_contain_text("15–17, parental authorisation")
    shot(agent, "03-authorisation-recorded")

    wait_live(agent)
    agent.fill("#reply-body", "Yes! Which flavour would you like?")
    agent.click("#reply-form button[type=submit]")
    expect(agent.locator("li.item.outbound", has_text="Which flavour")).to_be_visible()
    shot(agent, "04-replied")

    contact = Contact.objects.get(pk=conversation.contact_id)
    assert contact.age_status == "minor_authorised"
    entry = consent_current(contact, "parental_authorisation")
    assert entry.channel == "staff" and entry.details["given_by"] == "Her mother, Nadia"
    assert entry.details["method"] == "phone"
    assert Message.objects.filter(conversation=conversation, direction="outbound").count() == 1
    no_problems(agent)


def test_a_visitor_aged_15_to_17_is_told_replies_wait_for_the_shop(demo, new_page, shot):
    """Their declaration is recorded, the hold stays, and staff read it as a
    declaration, not as an authorisation."""
    visitor = new_page(width=900, height=800, locale="fr-FR")
    visitor.goto(demo.url + "/demo/shop")
    visitor.click("button.bubble")
    visitor.fill("input[name=name]", "Jade")
    expect(visitor.locator("label[for=instaply-age-15-17]")).to_have_text(" De 15 à 17 ans")
    visitor.check("#instaply-age-15-17")
    visitor.check("#instaply-consent")
    visitor.click("button.send")
    expect(visitor.locator(".notice")).to_contain_text("la boutique vous répondra")
    message = visitor.locator("textarea")
    message.fill("Bonjour, avez-vous des éclairs ?")
    message.press("Enter")
    expect(visitor.locator(".msg.in .text")).to_have_text("Bonjour, avez-vous des éclairs ?")
    shot(visitor, "01-visitor-held")
    contact = Contact.objects.filter(tenant=demo.tenant).order_by("-created_at").first()
    assert contact.name == "Jade"
    assert contact.age_status == "minor_unauthorised"
    # The visitor's declaration is in the ledger, but only staff decide the authorisation.
    assert [e.channel for e in consent_ledger(contact)] == ["widget"]
    assert consent_current(contact, "parental_authorisation") is None
    no_problems(visitor)

    # The agent sees a held minor and a declaration, never "Given".
    conversation = Conversation.objects.filter(contact=contact).get()
    agent = new_page()
    sign_in(agent, demo, "agent")
    agent.goto(f"{demo.url}/c/{conversation.id}/")
    expect(agent.locator("[data-minor-banner=held]")).to_be_visible()
    panel = agent.locator("[data-consent-panel]")
    expect(panel.locator("[data-consent-state=parental_authorisation]")).to_have_count(0)
    declared = panel.locator("[data-consent-entry=declared]")
    expect(declared).to_contain_text("Declared by the visitor")
    expect(declared).to_contain_text("not an authorisation")
    expect(panel.locator("[data-consent-entry=given]")).to_have_count(0)
    shot(agent, "02-agent-sees-a-declaration")
    no_problems(agent)
