"""One action on a selection of conversations: all or nothing, each one audited."""

import pytest

from audit.models import AuditEvent
from conversations.models import Conversation, ConversationLabel, ConversationRead, Label
from conversations.services.bulk import conversations_bulk
from conversations.tests.factories import ConversationFactory
from instaply.errors import Forbidden, Invalid, NotFound
from tenants.models import Role

pytestmark = pytest.mark.django_db


def _conversations(world, n, **fields):
    return [ConversationFactory(tenant=world.tenant, shop=world.shop, **fields) for _ in range(n)]


def test_a_bulk_close_closes_each_audits_each_and_counts_the_ones_already_closed(tenant_a):
    chosen = _conversations(tenant_a, 4) + _conversations(tenant_a, 1, status="closed")
    other = _conversations(tenant_a, 1)[0]
    agent = tenant_a.members[Role.AGENT]
    result = conversations_bulk(
        actor=agent, action="close", conversation_ids=[str(c.id) for c in chosen]
    )
    assert (result.changed, result.unchanged) == (4, 1)
    statuses = Conversation.objects.for_tenant(tenant_a.tenant).in_bulk()
    assert all(statuses[c.id].status == "closed" for c in chosen)
    assert statuses[other.id].status == "open"
    assert AuditEvent.objects.filter(action="conversation.closed").count() == 4
    summary = AuditEvent.objects.get(action="conversation.bulk")
    assert summary.metadata == {"action": "close", "selected": 5, "changed": 4}
    assert summary.actor_member_id == agent.id


def test_another_tenants_id_in_the_selection_changes_nothing(tenant_a, tenant_b):
    mine = _conversations(tenant_a, 2)
    theirs = _conversations(tenant_b, 1)
    with pytest.raises(NotFound):
        conversations_bulk(
            actor=tenant_a.owner,
            action="close",
            conversation_ids=[c.id for c in mine + theirs],
        )
    assert not Conversation.objects.for_tenant(tenant_a.tenant).filter(status="closed").exists()
    assert not Conversation.objects.for_tenant(tenant_b.tenant).filter(status="closed").exists()


def test_assign_label_and_mark_read(tenant_a):
    chosen = _conversations(tenant_a, 3)
    ids = [c.id for c in chosen]
    agent, admin = tenant_a.members[Role.AGENT], tenant_a.members[Role.ADMIN]
    assert (
        conversations_bulk(
            actor=agent, action="assign", conversation_ids=ids, assignee=admin
        ).changed
        == 3
    )
    assert set(
        Conversation.objects.for_tenant(tenant_a.tenant).values_list("assignee", flat=True)
    ) == {admin.id}
    label = Label.objects.create(tenant=tenant_a.tenant, name="Returns")
    ConversationLabel.objects.create(tenant=tenant_a.tenant, conversation=chosen[0], label=label)
    result = conversations_bulk(actor=agent, action="label", conversation_ids=ids, label=label)
    assert (result.changed, result.unchanged) == (2, 1)
    assert ConversationLabel.objects.for_tenant(tenant_a.tenant).count() == 3
    viewer = tenant_a.members[Role.VIEWER]
    conversations_bulk(actor=viewer, action="mark_read", conversation_ids=ids)
    assert (
        ConversationRead.objects.for_tenant(tenant_a.tenant).filter(membership=viewer).count() == 3
    )


def test_roles_and_bad_selections_are_refused(tenant_a):
    ids = [c.id for c in _conversations(tenant_a, 2)]
    viewer = tenant_a.members[Role.VIEWER]
    for action in ("close", "assign", "label"):
        with pytest.raises(Forbidden):
            conversations_bulk(actor=viewer, action=action, conversation_ids=ids)
    agent = tenant_a.members[Role.AGENT]
    for kwargs in (
        {"action": "close", "conversation_ids": []},
        {"action": "close", "conversation_ids": ["not-an-id"]},
        {"action": "close", "conversation_ids": [f"{n:032x}" for n in range(101)]},
        {"action": "delete", "conversation_ids": ids},
        {"action": "label", "conversation_ids": ids},
    ):
        with pytest.raises(Invalid):
            conversations_bulk(actor=agent, **kwargs)


def test_the_bulk_endpoint(tenant_a, tenant_b):
    chosen = _conversations(tenant_a, 4)
    ids = [str(c.id) for c in chosen]
    agent = tenant_a.client(Role.AGENT)
    answer = agent.post(
        "/api/v1/conversations/bulk", {"action": "close", "conversations": ids}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json() == {"action": "close", "changed": 4, "unchanged": 0}
    foreign = tenant_b.members[Role.AGENT].id
    refused = agent.post(
        "/api/v1/conversations/bulk",
        {"action": "assign", "conversations": ids, "assignee": str(foreign)},
        format="json",
    )
    assert refused.status_code == 400 and "assignee" in str(refused.json())
    missing = agent.post(
        "/api/v1/conversations/bulk", {"action": "label", "conversations": ids}, format="json"
    )
    assert missing.status_code == 400 and "label" in str(missing.json())
    viewer = tenant_a.client(Role.VIEWER)
    assert (
        viewer.post(
            "/api/v1/conversations/bulk", {"action": "close", "conversations": ids}, format="json"
        ).status_code
        == 403
    )
    assert (
        viewer.post(
            "/api/v1/conversations/bulk",
            {"action": "mark_read", "conversations": ids},
            format="json",
        ).status_code
        == 200
    )
    other = tenant_b.client(Role.AGENT).post(
        "/api/v1/conversations/bulk", {"action": "mark_read", "conversations": ids}, format="json"
    )
    assert other.status_code == 404
