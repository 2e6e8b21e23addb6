"""The search page of the web inbox: a POST, results of both kinds, roles, audit."""

import pytest

from audit.models import AuditEvent
from search.tests.support import texted
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db

URL = "/search/"


def test_the_inbox_has_the_search_box_and_the_page_shows_messages_and_contacts(tenant_a, tenant_b):
    contact, conversation, message = texted(
        tenant_a, "The blue teapot arrived chipped", name="Maëlle Quinquis"
    )
    texted(tenant_b, "Another blue teapot", name="Other Tenant")
    client = verified_client(tenant_a.members[Role.VIEWER].user)
    assert 'action="/search/"' in client.get("/inbox/").content.decode()
    page = client.post(URL, {"q": "teapot BLUE"}).content.decode()
    assert "The blue teapot arrived chipped" in page
    assert f"/c/{conversation.pk}/" in page
    assert "Another blue teapot" not in page
    page = client.post(URL, {"q": "quinq"}).content.decode()
    assert f"/contacts/{contact.pk}/" in page and "Maëlle Quinquis" in page
    assert "Other Tenant" not in page
    events = AuditEvent.objects.filter(target_kind="search")
    assert sorted(events.values_list("target_id", flat=True)) == ["contacts"] * 2 + ["messages"] * 2
    assert "teapot" not in str(list(events.values_list("metadata", flat=True)))


def test_more_pages_by_cursor(tenant_a, settings):
    from search import views

    for n in range(3):
        texted(tenant_a, f"invoice copy {n}")
    client = verified_client(tenant_a.owner.user)
    views.PAGE_SIZE, size = 2, views.PAGE_SIZE
    try:
        first = client.post(URL, {"q": "invoice"}).content.decode()
        assert first.count("data-message=") == 2 and 'name="cursor"' in first
        cursor = first.split('name="cursor" value="')[1].split('"')[0]
        rest = client.post(URL, {"q": "invoice", "scope": "messages", "cursor": cursor})
        assert rest.content.decode().count("data-message=") == 1
    finally:
        views.PAGE_SIZE = size


def test_nothing_to_search_is_a_400_with_the_reason(tenant_a):
    client = verified_client(tenant_a.owner.user)
    answer = client.post(URL, {"q": "   "})
    assert answer.status_code == 400 and 'role="alert"' in answer.content.decode()


def test_the_privacy_officer_cannot_search(tenant_a):
    client = verified_client(tenant_a.members[Role.PRIVACY].user)
    assert client.post(URL, {"q": "teapot"}).status_code in (403, 404)
