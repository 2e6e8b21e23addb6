"""The index holds keyed tokens, never words; it follows every write and every deletion."""

import pytest

from audit.recorder import Actor
from conversations.models import Message
from conversations.services.contacts import contact_rectify, contact_update
from conversations.services.messages import message_reply
from conversations.services.removal import messages_remove
from search import text
from search.models import SearchDocument, SearchToken
from search.selectors import contact_search, message_search
from search.tests.support import texted
from search.tokens import tokens, unpack
from tenants.models import Role

pytestmark = pytest.mark.django_db


def _found(member, query, **kwargs):
    return [m.pk for m in message_search(member=member, query=query, **kwargs).results]


def test_normalised_words_accents_case_punctuation_and_common_words():
    assert text.words("Où est ma COMMANDE n°42 ? L'élève, l’école…") == {
        "commande", "42", "eleve", "ecole",
    }  # fmt: skip
    assert text.name_parts("Jean-Éric Dupont") == {
        "jea", "jean", "eri", "eric", "dup", "dupo", "dupon", "dupont",
    }  # fmt: skip


def test_tokens_of_one_word_differ_between_tenants_and_domains(tenant_a, tenant_b):
    a, b = tenant_a.tenant.id, tenant_b.tenant.id
    assert tokens(a, "word", ["martin"]) == tokens(a, "word", ["martin"])
    assert tokens(a, "word", ["martin"]) != tokens(b, "word", ["martin"])
    assert tokens(a, "word", ["martin"]) != tokens(a, "name", ["martin"])


def test_the_same_text_in_two_tenants_shares_no_token(tenant_a, tenant_b):
    texted(tenant_a, "parcel delivered damaged")
    texted(tenant_b, "parcel delivered damaged")
    of = {
        world.tenant.id: set(
            SearchToken.objects.for_tenant(world.tenant).values_list("token", flat=True)
        )
        for world in (tenant_a, tenant_b)
    }
    assert of[tenant_a.tenant.id] and of[tenant_b.tenant.id]
    assert of[tenant_a.tenant.id].isdisjoint(of[tenant_b.tenant.id])


def test_no_word_is_stored_in_clear(tenant_a):
    _, _, message = texted(tenant_a, "zanzibarique croissant")
    document = SearchDocument.objects.for_tenant(tenant_a.tenant).get(pk=message.pk)
    assert b"zanzibar" not in bytes(document.tokens)
    assert sorted(unpack(document.tokens)) == sorted(
        tokens(tenant_a.tenant.id, "word", ["zanzibarique", "croissant"])
    )


def test_a_search_finds_inbound_and_replies_with_every_word_and_only_them(tenant_a):
    member = tenant_a.members[Role.VIEWER]
    _, conversation, inbound = texted(tenant_a, "Ma commande de gâteaux est en retard")
    reply = message_reply(
        actor=tenant_a.members[Role.AGENT], conversation=conversation, body="Le GATEAU arrive"
    )
    texted(tenant_a, "Une autre commande", phone="+33612345679")
    assert _found(member, "gâteaux retard") == [inbound.pk]
    assert _found(member, "gateau") == [reply.pk]
    assert len(_found(member, "commande")) == 2
    assert _found(member, "commande inexistant") == []


def test_removed_messages_leave_the_index(tenant_a):
    member = tenant_a.owner
    _, _, message = texted(tenant_a, "unique withdrawn words")
    messages_remove(tenant_id=tenant_a.tenant.id, message_ids=[message.pk])
    assert _found(member, "withdrawn") == []
    assert not SearchDocument.objects.for_tenant(tenant_a.tenant).filter(pk=message.pk).exists()
    assert not SearchToken.objects.for_tenant(tenant_a.tenant).filter(document_id=message.pk)


def test_keyset_pages_cover_every_match_once_newest_first(tenant_a):
    member = tenant_a.owner
    written = [texted(tenant_a, f"refund request {n}")[2].pk for n in range(7)]
    texted(tenant_a, "refund only")
    seen, cursor = [], None
    while True:
        page = message_search(member=member, query="refund request", cursor=cursor, limit=3)
        assert len(page.results) <= 3
        seen += [m.pk for m in page.results]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == sorted(written, reverse=True)


def test_a_scan_that_runs_out_of_budget_says_so_and_goes_on(tenant_a, monkeypatch):
    from search import selectors

    monkeypatch.setattr(selectors, "CHUNK", 2)
    monkeypatch.setattr(selectors, "SCAN_BUDGET", 2)
    match = texted(tenant_a, "alpha beta")[2].pk
    for _ in range(4):
        texted(tenant_a, "alpha gamma")
    texted(tenant_a, "beta delta")
    texted(tenant_a, "beta epsilon")
    texted(tenant_a, "beta zeta")
    texted(tenant_a, "beta eta")
    texted(tenant_a, "beta theta")
    found, cursor, partial = [], None, 0
    while True:
        page = message_search(member=tenant_a.owner, query="alpha beta", cursor=cursor, limit=5)
        found += [m.pk for m in page.results]
        partial += not page.complete
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert found == [match] and partial >= 1


@pytest.mark.parametrize(
    "typed",
    [
        "+33 6 12 34 56 78",
        "+33612345678",
        "0033 6 12 34 56 78",
        "06 12 34 56 78",
        "06.12.34.56.78",
        "0612345678",
        "612345678",
        "33 612 345 678",
    ],
)
def test_a_contact_is_found_by_its_number_in_any_common_format(tenant_a, typed):
    contact, _, _ = texted(tenant_a, "hello", phone="+33612345678")
    texted(tenant_a, "hello", phone="+33699999999")
    page = contact_search(member=tenant_a.owner, query=typed)
    assert [c.pk for c in page.results] == [contact.pk]


def test_a_us_number_in_national_format(tenant_a):
    contact, _, _ = texted(tenant_a, "hi", phone="+14155550123")
    for typed in ("(415) 555-0123", "1 415 555 0123", "+1 415-555-0123"):
        page = contact_search(member=tenant_a.owner, query=typed)
        assert [c.pk for c in page.results] == [contact.pk], typed


def test_a_contact_by_name_prefix_and_by_email(tenant_a):
    contact, _, _ = texted(tenant_a, "hi", name="Jean-Éric Dupont")
    other, _, _ = texted(tenant_a, "hi", phone="+33611111111", name="Jeanne Durand")
    owner = tenant_a.owner

    def names(query):
        return {c.pk for c in contact_search(member=owner, query=query).results}

    assert names("dup") == {contact.pk}
    assert names("jean") == {contact.pk, other.pk}
    assert names("JEAN eric") == {contact.pk}
    assert names("durant") == set()
    contact_update(actor=tenant_a.members[Role.AGENT], contact=other, email="J.Durand@Example.org")
    assert names("j.durand@example.org") == {other.pk}
    assert names("@example.org") == {other.pk}
    assert names("j.durand@") == {other.pk}
    # A changed name is found under the new one only.
    contact_rectify(contact=contact, corrections={"name": "Paul Martin"}, actor=Actor.system("t"))
    assert names("dupont") == set()
    assert names("martin") == {contact.pk}


def test_automatic_messages_are_not_indexed(tenant_a):
    from conversations.services.messages import message_send_automatic

    _, conversation, _ = texted(tenant_a, "hello")
    sent = message_send_automatic(conversation=conversation, body="We are closed until Monday")
    assert sent is not None and sent.sender_kind == Message.SenderKind.SYSTEM
    assert not SearchDocument.objects.for_tenant(tenant_a.tenant).filter(pk=sent.pk).exists()


def test_the_statements_name_the_models_table():
    from search import services

    assert SearchToken._meta.db_table == "search_searchtoken"
    assert "search_searchtoken" in services._INSERT and "search_searchtoken" in services._DELETE


def test_folding_is_the_same_with_and_without_accents():
    assert text.fold("CAFÉ Straße") == "cafe strasse"
    assert text.fold("CAFE Strasse") == "cafe strasse"


def test_chunks_grow_by_the_share_they_kept_within_bounds():
    from search.selectors import CHUNK, CHUNK_GROWTH, _next_chunk

    assert _next_chunk(CHUNK, CHUNK, kept=0, needed=26) == 2 * CHUNK
    # 10 kept of 256 and 16 still needed: 16 * 256 / 10 with a quarter's margin.
    assert _next_chunk(CHUNK, CHUNK, kept=10, needed=16) == 512
    assert _next_chunk(CHUNK, CHUNK, kept=200, needed=1) == CHUNK  # never smaller
    assert _next_chunk(CHUNK, CHUNK, kept=1, needed=26) == CHUNK * CHUNK_GROWTH


def test_growing_chunks_still_find_every_match_once_newest_first(tenant_a, monkeypatch):
    from search import selectors

    monkeypatch.setattr(selectors, "CHUNK", 2)
    monkeypatch.setattr(selectors, "CHUNK_GROWTH", 4)
    # Both words counted as common: "alpha", the commoner, drives (sorted first).
    monkeypatch.setattr(selectors, "COUNT_CAP", 1)
    matches = []
    for n in range(15):
        if n % 5 == 0:
            matches.append(texted(tenant_a, f"alpha beta {n}")[2].pk)
        else:
            texted(tenant_a, f"alpha gamma {n}")
    seen, cursor = [], None
    while True:
        page = message_search(member=tenant_a.owner, query="alpha beta", cursor=cursor, limit=2)
        seen += [m.pk for m in page.results]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == sorted(matches, reverse=True)
