"""Scenario 3: a viewer reads the same pages with no write controls, and a POST
crafted from the viewer's own session is refused by the server."""

import re

from playwright.sync_api import expect

from conversations.models import Conversation, Message
from tests.browser.factories import widget_conversation
from tests.browser.support import browser_test, no_problems, sign_in, wait_live

pytestmark = browser_test


def test_a_viewer_reads_but_cannot_write(demo, new_page, shot):
    conversation = widget_conversation(demo, name="Lucie", body="Are you open on Sunday?")
    viewer = new_page(locale="fr-FR")  # the browser's language is the default
    sign_in(viewer, demo, "viewer")
    wait_live(viewer)
    expect(viewer.locator("html")).to_have_attribute("lang", "fr")
    expect(viewer.locator(".whoami")).to_contain_text("Lecteur")
    viewer.locator("li.conv", has_text="Lucie").locator("a").click()
    expect(viewer).to_have_url(re.compile(rf"/c/{conversation.id}/$"))
    expect(viewer.locator("#thread")).to_contain_text("Are you open on Sunday?")
    expect(viewer.locator(".contact-pane")).to_contain_text("Lucie")
    for control in ("#reply-body", "#reply-form", "#assignee", "form[action$='/status']",
                    "form[action$='/assign']", "form[action$='/labels']", "#note-body"):  # fmt: skip
        expect(viewer.locator(control)).to_have_count(0)
    expect(viewer.locator(".readonly-note")).to_be_visible()
    expect(viewer.locator(".readonly-note")).to_contain_text("votre rôle ne permet ni")
    expect(viewer.locator(".mainnav")).not_to_contain_text("Réglages")
    shot(viewer, "01-viewer-conversation", docs="viewer")

    # The same session, without the page: a reply and a close, each with a valid CSRF token.
    token = viewer.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    base = f"{demo.url}/c/{conversation.id}"
    headers = {"Referer": base + "/", "Accept-Language": "fr-FR"}
    replied = viewer.request.post(
        f"{base}/reply", form={"csrfmiddlewaretoken": token, "body": "Sneaky"}, headers=headers
    )
    closed = viewer.request.post(
        f"{base}/status", form={"csrfmiddlewaretoken": token, "action": "close"}, headers=headers
    )
    assigned = viewer.request.post(
        f"{base}/assign", form={"csrfmiddlewaretoken": token, "assignee": "me"}, headers=headers
    )
    assert (replied.status, closed.status, assigned.status) == (403, 403, 403)
    assert "Votre rôle ne permet pas cette action." in replied.text()
    assert [m.body for m in Message.objects.filter(conversation=conversation)] == [
        "Are you open on Sunday?"
    ]
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assignee_id) == ("open", None)
    # The session still reads: refusing a write does not sign anyone out.
    viewer.reload()
    expect(viewer.locator("#thread")).to_contain_text("Are you open on Sunday?")
    assert Conversation.objects.get(pk=conversation.pk).status == "open"
    no_problems(viewer)
