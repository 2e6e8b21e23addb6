"""Writing and removing documents of the search index.

The owners of messages and contacts call these inside the transaction that
writes or deletes them (conversations.services, privacy.dsr.erasure,
privacy.retention.deletion), so the index never holds a token of a row that
is gone, nor misses one of a row that is there.
"""

from django.db import connection

from instaply import rls
from search import text
from search.models import SearchDocument, SearchToken
from search.tokens import pack, tokens, unpack

Kind = SearchDocument.Kind
# The two statements PostgreSQL runs for the token rows (the table name is the model's).
_INSERT = (
    "INSERT INTO search_searchtoken (tenant_id, token, document_id) "
    "SELECT %s, * FROM unnest(%s::bigint[], %s::uuid[]) ON CONFLICT DO NOTHING"
)
_DELETE = (
    "DELETE FROM search_searchtoken t "
    "USING unnest(%s::bigint[], %s::uuid[]) AS v(token, document_id) "
    "WHERE t.tenant_id = %s AND t.token = v.token AND t.document_id = v.document_id"
)


def messages_index(messages) -> None:
    """Indexes the words of messages just written (all of one tenant). Messages
    the platform wrote by itself (automatic replies, HELP answers, policy notices)
    are the shop's own texts, the same in every conversation: not indexed."""
    messages = [m for m in messages if m.sender_kind != "system" and m.body]
    if not messages:
        return
    tenant_id = messages[0].tenant_id
    documents = []
    for message in messages:
        found = tokens(tenant_id, "word", text.words(message.body))
        if found:
            documents.append((message.pk, message.contact_id, Kind.MESSAGE, found))
    _write(tenant_id, documents)


def contact_index(contact) -> None:
    """(Re)indexes a contact's name, email and phone after it was created or changed."""
    tenant_id = contact.tenant_id
    documents_forget(tenant_id=tenant_id, ids=[contact.pk])
    found = [
        *tokens(tenant_id, "name", text.name_parts(_plain(contact.name))),
        *tokens(tenant_id, "email", text.email_forms(_plain(contact.email))),
        *tokens(tenant_id, "phone", text.phone_forms(_plain(contact.phone))),
    ]
    if found:
        _write(tenant_id, [(contact.pk, contact.pk, Kind.CONTACT, found)])


def _plain(value) -> str:
    return value if isinstance(value, str) else ""


def _write(tenant_id, documents: list[tuple]) -> None:
    if not documents:
        return
    SearchDocument.objects.for_tenant(tenant_id).bulk_create(
        [
            SearchDocument(
                tenant_id=tenant_id, id=pk, contact_id=contact_id, kind=kind, tokens=pack(found)
            )
            for pk, contact_id, kind, found in documents
        ],
        ignore_conflicts=True,  # a message indexed twice (a task run again) is indexed once
    )
    rows = [(token, pk) for pk, _, _, found in documents for token in set(found)]
    if connection.vendor == "postgresql":
        # One statement of three parameters, whatever the number of tokens: the
        # cost an inbound message pays for being searchable (bench/search_bench.py).
        with rls.through_door(rls.tenant_scope(tenant_id)), connection.cursor() as cursor:
            cursor.execute(
                _INSERT,
                [tenant_id, [t for t, _ in rows], [d for _, d in rows]],
            )
        return
    SearchToken.objects.for_tenant(tenant_id).bulk_create(
        [SearchToken(tenant_id=tenant_id, token=t, document_id=d) for t, d in rows],
        ignore_conflicts=True,
    )


def documents_forget(*, tenant_id, ids) -> int:
    """Removes the documents of these messages or contacts and all their tokens."""
    if not ids:
        return 0
    # Index: the primary key.
    return _forget(tenant_id, SearchDocument.objects.for_tenant(tenant_id).filter(pk__in=ids))


def contacts_forget(*, tenant_id, contact_ids) -> int:
    """Removes every document about these contacts: their own and their messages'."""
    if not contact_ids:
        return 0
    # Index: search_doc_tenant_contact.
    documents = SearchDocument.objects.for_tenant(tenant_id).filter(contact_id__in=contact_ids)
    return _forget(tenant_id, documents)


def _forget(tenant_id, documents) -> int:
    found = list(documents.values_list("pk", "tokens"))
    if not found:
        return 0
    pairs = [(token, pk) for pk, packed in found for token in unpack(packed)]
    if connection.vendor == "postgresql":
        # Each (tenant, token, document) is one probe of the primary key.
        with rls.through_door(rls.tenant_scope(tenant_id)), connection.cursor() as cursor:
            cursor.execute(
                _DELETE,
                [[t for t, _ in pairs], [d for _, d in pairs], tenant_id],
            )
    else:
        for pk, packed in found:
            SearchToken.objects.for_tenant(tenant_id).filter(
                document_id=pk, token__in=unpack(packed)
            ).delete()
    SearchDocument.objects.for_tenant(tenant_id).filter(pk__in=[pk for pk, _ in found]).delete()
    return len(found)
