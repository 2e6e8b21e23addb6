"""The inbox page: the list, its filters, cursor pages, search, headers and audit."""

import re

import pytest

from audit.models import AuditEvent
from conversations.models import Label
from conversations.services.inbox import conversation_assign, conversation_label
from tenants.models import Role
from web.tests.conftest import start_conversation

pytestmark = pytest.mark.django_db


def _rows(response) -> list[str]:
    return re.findall(r'<li class="conv[^"]*" data-id="([0-9a-f-]+)"', response.content.decode())


def test_the_inbox_lists_conversations_with_unread_badges(page_as, conversation_a):
    page = page_as(Role.AGENT).get("/inbox/")
    html = page.content.decode()
    assert page.status_code == 200
    assert _rows(page) == [str(conversation_a.id)]
    assert "Zoé Martin" in html and "Is my cake ready?" in html
    assert '<span aria-hidden="true">1</span>' in html  # one unread message
    # One open, unassigned conversation not read yet: counted in the title.
    assert "<title>(1) Inbox · Instaply</title>" in html


def test_filters_are_the_apis(tenant_a, widget_a, page_as):
    agent = tenant_a.members[Role.AGENT]
    mine = start_conversation(tenant_a, widget_a, name="Mine")
    unassigned = start_conversation(tenant_a, widget_a, name="Nobody's")
    closed = start_conversation(tenant_a, widget_a, name="Closed one")
    conversation_assign(actor=agent, conversation=mine, assignee=agent)
    closed.status = "closed"
    closed.save(update_fields=["status"])
    vip = Label.objects.create(tenant=tenant_a.tenant, name="vip")
    conversation_label(actor=agent, conversation=unassigned, label=vip, present=True)
    browser = page_as(Role.AGENT)

    assert _rows(browser.get("/inbox/")) == [str(unassigned.id), str(mine.id)]
    assert _rows(browser.get("/inbox/?assignee=me")) == [str(mine.id)]
    assert _rows(browser.get("/inbox/?assignee=unassigned")) == [str(unassigned.id)]
    assert _rows(browser.get("/inbox/?status=closed")) == [str(closed.id)]
    assert len(_rows(browser.get("/inbox/?status=any"))) == 3
    assert _rows(browser.get(f"/inbox/?label={vip.id}")) == [str(unassigned.id)]
    assert _rows(browser.get(f"/inbox/?shop={tenant_a.shop.id}&status=any")) != []
    # A hand-edited filter falls back to the default rather than failing.
    assert browser.get("/inbox/?status=nonsense&assignee=x").status_code == 200


def test_long_inboxes_come_a_cursor_page_at_a_time(
    tenant_a, widget_a, page_as, django_assert_max_num_queries
):
    for n in range(30):
        start_conversation(tenant_a, widget_a, name=f"Customer {n}", body=f"Message {n}")
    browser = page_as(Role.AGENT)
    browser.get("/inbox/")  # session and keys warmed up
    # Session, person, authenticator, membership, the page, its labels, the feed's
    # position, the audit row, the frame's workspaces, shops and labels, and the
    # notices bell (an indexed count of the member's unread notices): 12; the
    # status tabs' counts (one per status, each stopping at 1,000 rows:
    # conversations.selectors_counts), the member's saved views and the members a
    # selection can be assigned to: 18; and for notifications the bell's unread
    # mentions, the title's unread count (at most 100 ids) and the member's
    # preferences: 21, however long the inbox is (no uncapped COUNT of conversations).
    with django_assert_max_num_queries(21):
        first = browser.get("/inbox/")
    rows = _rows(first)
    assert len(rows) == 25  # never the whole tenant
    cursor = re.search(r'data-cursor="([^"]+)"', first.content.decode())[1]
    older = browser.get(f"/inbox/rows?cursor={cursor}")
    assert len(_rows(older)) == 5 and not set(_rows(older)) & set(rows)
    assert "data-cursor" not in older.content.decode()  # the last page
    assert len(_rows(browser.get(f"/inbox/?cursor={cursor}"))) == 5


def test_search_by_exact_phone_or_email_is_a_post(tenant_a, widget_a, page_as):
    wanted = start_conversation(
        tenant_a, widget_a, name="Eve", phone="+33 6 11 11 22 22", email="eve@example.org"
    )
    start_conversation(tenant_a, widget_a, name="Someone else")
    from conversations.models import ContactIdentifier
    from privacy.blind_index import blind_index

    for kind, value in (("phone", "+33611112222"), ("email", "eve@example.org")):
        ContactIdentifier.objects.create(
            tenant=tenant_a.tenant, contact=wanted.contact, kind=kind,
            blind_index=blind_index(tenant_a.tenant.id, kind, value),
        )  # fmt: skip
    browser = page_as(Role.AGENT)
    for typed in ("+33 6 11 11 22 22", "EVE@example.org"):
        found = browser.post("/inbox/", {"q": typed})
        assert _rows(found) == [str(wanted.id)]
        assert typed not in found.get("Location", "")
        # The text typed stays in the form, never in a link of the page.
        assert not re.search(r'href="[^"]*(eve@|%2B33|\+33)', found.content.decode())
    refused = browser.post("/inbox/", {"q": "not a phone"})
    assert refused.status_code == 400 and b"country code" in refused.content
    rows = browser.post("/inbox/rows", {"q": "eve@example.org"})
    assert _rows(rows) == [str(wanted.id)]


def test_each_page_is_private_audited_once_and_keeps_its_policy(conversation_a, page_as):
    browser = page_as(Role.VIEWER)
    for path in ("/inbox/", "/inbox/rows", "/", f"/c/{conversation_a.id}/", f"/c/{conversation_a.id}/thread"):  # fmt: skip
        before = AuditEvent.objects.filter(action="personal_data.read").count()
        response = browser.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "private, no-store", path
        script_src = re.search(r"script-src ([^;]+)", response["Content-Security-Policy"])[1]
        assert script_src == "'self'", path
        reads = AuditEvent.objects.filter(action="personal_data.read").order_by("-created_at")
        assert reads.count() == before + 1, path
        assert reads.first().metadata["count"] >= 1


def test_privacy_officers_have_no_inbox(tenant_a, page_as, conversation_a):
    browser = page_as(Role.PRIVACY)
    assert browser.get("/inbox/").status_code == 403
    assert browser.get(f"/c/{conversation_a.id}/").status_code == 403
    home = browser.get("/")
    assert home.status_code == 200 and b"Pages you can open" in home.content
    assert AuditEvent.objects.filter(action="access.denied", outcome="denied").count() == 2


def test_anonymous_visitors_are_sent_to_sign_in(client, conversation_a):
    for path in ("/inbox/", f"/c/{conversation_a.id}/", "/settings/members/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
