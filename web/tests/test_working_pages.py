"""The pages of the inbox's faster work: contact editing, the library settings,
bulk actions, saved views and the status tabs' counts."""

import re

import pytest

from audit.models import AuditEvent
from conversations.models import CannedResponse, Contact, Conversation, Label
from saved_views.models import SavedView
from tenants.models import Role
from web.tests.conftest import start_conversation

pytestmark = pytest.mark.django_db


def test_contact_editing_on_its_page(tenant_a, widget_a, page_as):
    conversation = start_conversation(tenant_a, widget_a, name="Léa")
    contact = conversation.contact
    page = f"/contacts/{contact.id}/"
    agent = page_as(Role.AGENT)
    assert 'id="contact-edit-title"' in agent.get(page).content.decode()
    saved = agent.post(
        page + "edit",
        {"name": "Léa Dupont", "email": "lea@example.org", "notes": "Prefers mornings",
         "opted_out": ["widget"]},
    )  # fmt: skip
    assert saved.status_code == 302
    shown = agent.get(page).content.decode()
    assert "Contact saved." in shown and "Prefers mornings" in shown
    contact = Contact.objects.for_tenant(tenant_a.tenant).get(pk=contact.pk)
    assert contact.email == "lea@example.org" and contact.opted_out_channels == ["widget"]
    bad = agent.post(page + "edit", {"name": "Léa", "email": "not an email", "notes": ""})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert 'aria-invalid="true" aria-describedby="contact-email-error"' in body
    assert 'value="not an email"' in body  # what was typed stays
    assert Contact.objects.for_tenant(tenant_a.tenant).get(pk=contact.pk).name == "Léa Dupont"


def test_viewers_see_no_edit_form_and_cannot_post_it(tenant_a, widget_a, page_as):
    contact = start_conversation(tenant_a, widget_a).contact
    viewer = page_as(Role.VIEWER)
    assert "contact-edit-title" not in viewer.get(f"/contacts/{contact.id}/").content.decode()
    assert viewer.post(f"/contacts/{contact.id}/edit", {"name": "x"}).status_code == 403


def test_a_restriction_agents_cannot_lift_shows_as_locked(tenant_a, widget_a, page_as):
    contact = start_conversation(tenant_a, widget_a).contact
    agent = page_as(Role.AGENT)
    agent.post(f"/contacts/{contact.id}/edit", {"name": "Zoé", "processing_restricted": "on"})
    body = agent.get(f"/contacts/{contact.id}/").content.decode()
    assert 'name="processing_restricted" value="on"' in body  # kept, not a live box
    lifted = page_as(Role.OWNER).post(f"/contacts/{contact.id}/edit", {"name": "Zoé"})
    assert lifted.status_code == 302
    assert not Contact.objects.for_tenant(tenant_a.tenant).get(pk=contact.pk).processing_restricted


def test_labels_settings(tenant_a, page_as):
    owner = page_as(Role.OWNER)
    assert (
        owner.post("/settings/labels/", {"name": "Returns", "colour": "#aa3300"}).status_code == 302
    )
    label = Label.objects.for_tenant(tenant_a.tenant).get(name="Returns")
    page = owner.get("/settings/labels/").content.decode()
    assert "Returns" in page and 'data-colour="#aa3300"' in page
    taken = owner.post("/settings/labels/", {"name": "Returns", "colour": "#aa3300"})
    assert taken.status_code == 409 and "Already in use" in taken.content.decode()
    bad = owner.post(f"/settings/labels/{label.id}/", {"name": "", "colour": "red"})
    assert bad.status_code == 400
    owner.post(f"/settings/labels/{label.id}/", {"name": "Refunds", "colour": "#00aa00"})
    label.refresh_from_db()
    assert (label.name, label.colour) == ("Refunds", "#00aa00")
    assert AuditEvent.objects.filter(action="label.updated", target_id=str(label.id)).exists()
    viewer = page_as(Role.VIEWER)
    listing = viewer.get("/settings/labels/").content.decode()
    assert "Refunds" in listing and "Create label" not in listing
    assert viewer.post("/settings/labels/", {"name": "x"}).status_code == 403
    assert viewer.post(f"/settings/labels/{label.id}/", {"action": "delete"}).status_code == 403
    owner.post(f"/settings/labels/{label.id}/", {"action": "delete"})
    assert not Label.objects.for_tenant(tenant_a.tenant).exists()


def test_saved_replies_settings(tenant_a, page_as):
    agent = page_as(Role.AGENT)
    created = agent.post("/settings/saved-replies/", {"shortcut": "/hours", "text": "9 to 6."})
    assert created.status_code == 302
    canned = CannedResponse.objects.for_tenant(tenant_a.tenant).get()
    assert canned.shortcut == "hours"
    bad = agent.post("/settings/saved-replies/", {"shortcut": "no spaces", "text": ""})
    assert bad.status_code == 400 and 'id="reply-new-shortcut-error"' in bad.content.decode()
    agent.post(f"/settings/saved-replies/{canned.id}/", {"shortcut": "hours", "text": "9 to 7."})
    canned.refresh_from_db()
    assert canned.text == "9 to 7."
    agent.post(f"/settings/saved-replies/{canned.id}/", {"action": "delete"})
    assert not CannedResponse.objects.for_tenant(tenant_a.tenant).exists()


def test_a_bulk_close_from_the_list_says_how_many(tenant_a, widget_a, page_as):
    chosen = [start_conversation(tenant_a, widget_a, name=f"C{n}") for n in range(4)]
    agent = page_as(Role.AGENT)
    answer = agent.post(
        "/inbox/bulk",
        {"action": "close", "conversations": [c.id for c in chosen], "back": "status=open"},
        follow=True,
    )
    assert answer.redirect_chain[-1][0] == "/inbox/?assignee=all&status=open"
    assert "4 conversations closed." in answer.content.decode()
    assert Conversation.objects.for_tenant(tenant_a.tenant).filter(status="closed").count() == 4
    none = agent.post("/inbox/bulk", {"action": "close"}, follow=True)
    assert "Select at least one conversation." in none.content.decode()


def test_status_tabs_show_counts(tenant_a, widget_a, page_as):
    for n in range(3):
        start_conversation(tenant_a, widget_a, name=f"C{n}")
    body = page_as(Role.AGENT).get("/inbox/").content.decode()
    assert re.search(r'data-status-count="open">3<', body)
    assert re.search(r'data-status-count="closed">0<', body)
    assert 'data-status-count="any"' not in body  # "any status" is not counted


def _tabs(body: str) -> dict:
    return dict(re.findall(r'data-status-count="(\w+)">([^<]*)<', body))


def test_the_tabs_name_the_api_that_answers_their_counts_under_the_same_filters(
    tenant_a, widget_a, page_as
):
    """counts.js refreshes the tabs from the address the page gives: it answers
    the figures the page shows, under the list's filters, in the page's words."""
    agent = tenant_a.members[Role.AGENT]
    conversations = [start_conversation(tenant_a, widget_a, name=f"C{n}") for n in range(4)]
    Conversation.objects.for_tenant(tenant_a.tenant).filter(pk=conversations[0].pk).update(
        assignee=agent
    )
    Conversation.objects.for_tenant(tenant_a.tenant).filter(pk=conversations[1].pk).update(
        status="pending", assignee=agent
    )
    browser = page_as(Role.AGENT)
    browser.cookies["django_language"] = "fr"
    for query in ("", "?assignee=me&status=pending&channel=widget", "?assignee=unassigned"):
        body = browser.get("/inbox/" + query, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        url = re.search(r'data-status-counts-url="([^"]+)"', body)[1].replace("&amp;", "&")
        assert "status=" not in url and "all" not in url  # the API's own filter words
        answer = browser.get(url, HTTP_ACCEPT_LANGUAGE="fr")
        assert answer.status_code == 200, answer.content
        assert {status: f["shown"] for status, f in answer.json().items()} == _tabs(body)
    assert _tabs(body)["open"] == "2"  # the last page: unassigned
    assert 'data-unread-label="non lus :"' in body  # the Notices badge's hidden word
    # A search shows no counts, so nothing to refresh.
    searched = browser.post("/inbox/", {"q": "+33600000000"}).content.decode()
    assert "data-status-counts-url" not in searched and not _tabs(searched)


def test_saved_views_from_the_sidebar(tenant_a, widget_a, page_as):
    agent = page_as(Role.AGENT)
    saved = agent.post(
        "/inbox/views", {"name": "My pending", "status": "pending", "assignee": "me"}, follow=True
    )
    body = saved.content.decode()
    assert "View saved." in body
    assert 'href="/inbox/?assignee=me&amp;status=pending" aria-current="true">My pending' in body
    view = SavedView.objects.for_tenant(tenant_a.tenant).get()
    assert page_as(Role.VIEWER).post(f"/inbox/views/{view.id}/delete").status_code == 404
    agent.post(f"/inbox/views/{view.id}/delete")
    assert not SavedView.objects.for_tenant(tenant_a.tenant).exists()
