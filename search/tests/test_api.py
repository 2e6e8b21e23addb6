"""POST /api/v1/search: roles, tenants, errors and the audit event without words."""

import pytest

from audit.models import AuditEvent
from search.tests.support import texted
from tenants.models import Role

pytestmark = pytest.mark.django_db

URL = "/api/v1/search"


def _search(client, **body):
    return client.post(URL, body, format="json")


def _results(client, **body):
    answer = _search(client, **body)
    assert answer.status_code == 200, answer.content
    return answer.json()["results"]


def test_every_reading_role_finds_and_the_privacy_officer_is_refused(tenant_a):
    _, conversation, message = texted(tenant_a, "Where is my parcel?", name="Ada Lovelace")
    for role in (Role.OWNER, Role.ADMIN, Role.AGENT, Role.VIEWER):
        answer = _search(tenant_a.client(role), q="PARCEL")
        assert answer.status_code == 200, role
        (hit,) = answer.json()["results"]
        assert hit["id"] == str(message.pk) and hit["conversation_id"] == str(conversation.pk)
        assert hit["body"] == "Where is my parcel?" and hit["contact_name"] == "Ada Lovelace"
        assert answer["Cache-Control"] == "private, no-store"
    refused = _search(tenant_a.client(Role.PRIVACY), q="parcel")
    assert refused.status_code == 403
    assert "error" in refused.json()


def test_another_tenants_messages_and_contacts_are_never_found(tenant_a, tenant_b):
    texted(tenant_b, "secret parcel of tenant b", name="Bob Other", phone="+33600000001")
    texted(tenant_a, "a parcel of tenant a", name="Ada Mine", phone="+33600000002")
    client = tenant_a.client(Role.OWNER)
    assert [h["body"] for h in _results(client, q="parcel")] == ["a parcel of tenant a"]
    assert _results(client, q="secret") == []
    assert _results(client, q="bob", scope="contacts") == []
    assert _results(client, q="+33600000001", scope="contacts") == []
    (mine,) = _results(client, q="+33 6 00 00 00 02", scope="contacts")
    assert mine["name"] == "Ada Mine"


def test_each_search_is_audited_with_counts_and_never_its_words(tenant_a):
    texted(tenant_a, "fragile vase broken", phone="+33611112222", name="Zoé Kerbrat")
    client = tenant_a.client(Role.AGENT)
    before = AuditEvent.objects.count()
    assert len(_results(client, q="vase broken")) == 1
    assert len(_results(client, q="Kerbrat", scope="contacts")) == 1
    assert _search(client, q="06 11 11 22 22", scope="contacts").status_code == 200
    events = list(
        AuditEvent.objects.filter(action="personal_data.read", target_kind="search").order_by("id")
    )
    assert AuditEvent.objects.count() - before >= 3
    assert [(e.target_id, e.metadata["terms"], e.metadata["count"]) for e in events] == [
        ("messages", 2, 1),
        ("contacts", 1, 1),
        ("contacts", 1, 1),
    ]
    stored = " ".join(str(e.__dict__) for e in AuditEvent.objects.all()).lower()
    for word in ("vase", "broken", "kerbrat", "11112222", "11 11 22 22"):
        assert word not in stored


def test_bad_input_is_a_clear_400_and_nothing_is_audited(tenant_a):
    client = tenant_a.client(Role.OWNER)
    cases = [
        ({"q": ""}, "q"),
        ({"q": "the and of"}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "parcel", "scope": "everything"}, "scope"),
        ({"q": "parcel", "cursor": "not-a-cursor"}, "cursor"),
        ({"q": "parcel", "limit": 0}, "limit"),
        ({"q": "parcel", "unknown": 1}, "unknown"),
    ]
    for body, field in cases:
        answer = _search(client, **body)
        assert answer.status_code == 400, body
        assert field in answer.json()["error"]["fields"], body
    assert not AuditEvent.objects.filter(target_kind="search").exists()


def test_a_get_is_not_allowed_so_words_never_sit_in_a_url(tenant_a):
    assert tenant_a.client(Role.OWNER).get(URL + "?q=parcel").status_code == 405


def test_erased_contacts_are_not_found_while_their_erasure_runs(tenant_a):
    from django.utils import timezone

    from conversations.models import Contact

    contact, _, _ = texted(tenant_a, "private words here", name="Being Erased")
    Contact.objects.for_tenant(tenant_a.tenant).filter(pk=contact.pk).update(
        erased_at=timezone.now()
    )
    client = tenant_a.client(Role.OWNER)
    assert _results(client, q="private words") == []
    assert _results(client, q="erased", scope="contacts") == []
