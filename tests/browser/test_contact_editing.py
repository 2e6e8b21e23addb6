"""Editing a contact from its page: a wrong email is refused beside its field,
then name, notes and an opt-out are saved and shown."""

from playwright.sync_api import expect

from conversations.models import Contact
from tests.browser.factories import widget_conversation
from tests.browser.support import browser_test, no_problems, sign_in, wait_live

pytestmark = browser_test


def test_an_agent_edits_a_contact(demo, new_page, shot):
    conversation = widget_conversation(demo, name="Zoé", body="Do you deliver?")
    page = new_page()
    sign_in(page, demo, "agent")
    wait_live(page)
    page.locator("li.conv a", has_text="Zoé").click()
    wait_live(page)
    with page.expect_navigation():
        page.click("text=All of this contact's conversations")

    form = page.locator(".contact-edit form")
    form.get_by_label("Email").fill("not-an-email")
    with page.expect_navigation():
        form.get_by_role("button", name="Save the contact").click()
    email = page.locator(".contact-edit").get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#contact-email-error")).to_be_visible()
    # The refused form came back as a 400, which Chromium reports: expected here.
    assert [p for p in page.problems if "400" in p] == page.problems != []
    page.problems.clear()

    email.fill("zoe@example.org")
    page.locator(".contact-edit").get_by_label("Name").fill("Zoé Martin")
    page.locator(".contact-edit").get_by_label("Notes about the contact").fill(
        "Prefers delivery after 6 pm."
    )
    page.locator(".contact-edit").get_by_label("Website chat").check()
    with page.expect_navigation():
        page.locator(".contact-edit").get_by_role("button", name="Save the contact").click()
    expect(page.locator(".messages")).to_contain_text("Contact saved.")
    expect(page.locator("h1#contact-title")).to_have_text("Zoé Martin")
    expect(page.locator(".contact-notes")).to_contain_text("Prefers delivery after 6 pm.")
    shot(page, "01-saved", docs="contact-edit")
    contact = Contact.objects.get(pk=conversation.contact_id)
    assert contact.email == "zoe@example.org" and contact.opted_out_channels == ["widget"]
    no_problems(page)
