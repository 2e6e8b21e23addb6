"""GET /api/v1/conversations: filters, keyset pages, unread counts, constant queries."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from conversations.models import ContactIdentifier, Conversation, Label
from conversations.services.inbox import conversation_assign, conversation_label
from conversations.services.messages import message_receive
from conversations.tests.factories import ContactFactory, ConversationFactory
from privacy.blind_index import blind_index
from tenants.models import Role

pytestmark = pytest.mark.django_db


def _many(world, n):
    start = timezone.now() - dt.timedelta(hours=1)
    conversations = []
    for i in range(n):
        conversation = ConversationFactory(
            tenant=world.tenant, shop=world.shop, last_message_preview=f"preview {i}"
        )
        conversation.last_activity_at = start + dt.timedelta(seconds=i)
        conversation.save(update_fields=["last_activity_at"])
        conversations.append(conversation)
    return conversations


@pytest.mark.parametrize("size", [10, 100])
def test_a_page_costs_the_same_few_queries_whatever_its_size(
    tenant_a, size, django_assert_max_num_queries
):
    conversations = _many(tenant_a, size)
    label = Label.objects.create(tenant=tenant_a.tenant, name="vip")
    for conversation in conversations[::3]:
        conversation_label(
            actor=tenant_a.owner, conversation=conversation, label=label, present=True
        )
    client = tenant_a.client(Role.AGENT)
    from privacy import keyring

    keyring.cache.clear()
    # The page, its data keys, and its labels where they are not in the page's
    # own rows (PostgreSQL has them there).
    with django_assert_max_num_queries(2 if connection.vendor == "postgresql" else 3) as captured:
        # Only the page's own queries are counted: auth and audit are measured apart.
        from conversations.selectors import conversation_list

        page, _ = conversation_list(
            tenant=tenant_a.tenant, member=tenant_a.members[Role.AGENT], limit=size
        )
        [c.contact.name for c in page]  # noqa: B018 (decrypting is part of the page)
        [c.last_message_preview for c in page]  # noqa: B018
        assert sum(len(c.label_list) for c in page) == len(conversations[::3])
    assert len(page) == size
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)
    response = client.get(f"/api/v1/conversations?limit={size}")
    assert response.status_code == 200 and len(response.json()["results"]) == size


def test_a_conversations_labels_come_with_it_by_name(tenant_a, conversation_a):
    from conversations.selectors import conversation_list

    labels = {
        name: Label.objects.create(tenant=tenant_a.tenant, name=name, colour="#00aa00")
        for name in ("b", "A", "a", "Été")
    }
    for label in labels.values():
        conversation_label(
            actor=tenant_a.owner, conversation=conversation_a, label=label, present=True
        )
    other = ConversationFactory(tenant=tenant_a.tenant, shop=tenant_a.shop)
    page, _ = conversation_list(tenant=tenant_a.tenant, member=tenant_a.members[Role.AGENT])
    by_id = {conversation.id: conversation.label_list for conversation in page}
    assert by_id[other.id] == []
    assert by_id[conversation_a.id] == [
        {"id": str(labels[name].id), "name": name, "colour": "#00aa00"}
        for name in ("A", "a", "b", "Été")  # Python's order, whatever the collation
    ]


def test_the_whole_request_stays_constant_between_page_sizes(tenant_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _many(tenant_a, 100)
    client = tenant_a.client(Role.AGENT)
    client.get("/api/v1/conversations?limit=1")  # warm: token touch, key cache
    counts = []
    for size in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/conversations?limit={size}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_items_carry_what_the_inbox_shows(tenant_a, conversation_a):
    item = tenant_a.client().get("/api/v1/conversations").json()["results"][0]
    assert item["id"] == str(conversation_a.id)
    assert item["contact"]["display_name"] == conversation_a.contact.name
    assert item["unread_count"] == 1
    assert item["assignee"] is None and item["labels"] == []
    assert item["status"] == "open" and item["channel"] == "widget"


def test_keyset_pages_walk_everything_once_newest_first(tenant_a):
    conversations = _many(tenant_a, 7)
    client = tenant_a.client()
    seen, cursor = [], None
    while True:
        url = "/api/v1/conversations?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).json()
        seen += [item["id"] for item in body["results"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [str(c.id) for c in reversed(conversations)]


def test_a_deep_page_is_found_by_cursor_not_offset(tenant_a):
    _many(tenant_a, 5)
    response = tenant_a.client().get("/api/v1/conversations?cursor=bogus")
    assert response.status_code == 400 and response.json()["error"]["fields"]["cursor"]


def test_filters_by_status_assignee_shop_and_label(tenant_a, conversation_a):
    agent = tenant_a.members[Role.AGENT]
    other = ConversationFactory(
        tenant=tenant_a.tenant, shop=tenant_a.shop, status=Conversation.Status.CLOSED
    )
    label = Label.objects.create(tenant=tenant_a.tenant, name="urgent")
    conversation_assign(actor=tenant_a.owner, conversation=conversation_a, assignee=agent)
    conversation_label(actor=tenant_a.owner, conversation=other, label=label, present=True)
    client = tenant_a.client(Role.AGENT)

    def ids(query):
        return {
            item["id"] for item in client.get(f"/api/v1/conversations?{query}").json()["results"]
        }

    assert ids("status=closed") == {str(other.id)}
    assert ids("assignee=me") == {str(conversation_a.id)}
    assert ids("assignee=unassigned") == {str(other.id)}
    assert ids(f"assignee={agent.id}") == {str(conversation_a.id)}
    assert ids(f"label={label.id}") == {str(other.id)}
    assert ids(f"shop={tenant_a.shop.id}") == {str(conversation_a.id), str(other.id)}
    assert client.get("/api/v1/conversations?status=weird").status_code == 400


def test_lookup_by_exact_phone_or_email_through_the_blind_index(tenant_a):
    contact = ContactFactory(tenant=tenant_a.tenant, phone="+33611112222", email="eve@example.org")
    for kind, value in (("phone", "+33611112222"), ("email", "eve@example.org")):
        ContactIdentifier.objects.create(
            tenant=tenant_a.tenant,
            contact=contact,
            kind=kind,
            blind_index=blind_index(tenant_a.tenant.id, kind, value),
        )
    mine = ConversationFactory(tenant=tenant_a.tenant, shop=tenant_a.shop, contact=contact)
    ConversationFactory(tenant=tenant_a.tenant, shop=tenant_a.shop)
    client = tenant_a.client()
    for query in ("phone=%2B33%206%2011%2011%2022%2022", "email=EVE@example.org"):
        results = client.get(f"/api/v1/conversations?{query}").json()["results"]
        assert [item["id"] for item in results] == [str(mine.id)]


def test_unread_counts_are_per_member(tenant_a, conversation_a):
    agent, viewer = tenant_a.client(Role.AGENT), tenant_a.client(Role.VIEWER)
    assert agent.post(f"/api/v1/conversations/{conversation_a.id}/read").status_code == 200
    message_receive(conversation=conversation_a, body="hello again")

    def unread(client):
        return client.get("/api/v1/conversations").json()["results"][0]["unread_count"]

    assert unread(agent) == 1 and unread(viewer) == 2


def test_listing_is_audited_once_per_request(tenant_a, conversation_a):
    before = AuditEvent.objects.filter(action="personal_data.read").count()
    tenant_a.client(Role.VIEWER).get("/api/v1/conversations")
    events = AuditEvent.objects.filter(action="personal_data.read").order_by("-created_at")
    assert events.count() == before + 1
    assert events.first().metadata["count"] == 1


def test_privacy_officers_cannot_read_the_inbox(tenant_a, conversation_a):
    assert tenant_a.client(Role.PRIVACY).get("/api/v1/conversations").status_code == 403
