"""The search index: keyed tokens, never words.

A *document* is a message or a contact, under its own id (UUIDv7, so ordering
by it is ordering by time). Each of its tokens is one row of ``SearchToken``,
whose primary key (tenant, token, document) is the index that serves a query:
the documents holding one token, newest first, and whether a given document
holds a token, are both ranges of it. ``SearchDocument`` remembers which tokens
a document has, so they can be deleted with it without reading (or being able
to read) the document again, and whose contact it is, so an erasure removes
everything about the contact in one statement.

Neither table points at a message or a contact with a foreign key: messages go
by raw statements in erasure and retention (privacy/dsr/erasure.py,
privacy/retention/deletion.py), which remove their documents explicitly.
"""

from django.db import models

from tenants.models import TenantScopedModel


def _tenant():
    # The indexes below lead with the tenant: a foreign key index of its own
    # would be a second index to write for every token, and serve nothing.
    return models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False
    )


class SearchDocument(TenantScopedModel):
    class Kind(models.TextChoices):
        MESSAGE = "m", "message"
        CONTACT = "c", "contact"

    # The message's or contact's own id, not a new one.
    id = models.UUIDField(primary_key=True, editable=False)
    tenant = _tenant()
    contact_id = models.UUIDField()
    kind = models.CharField(max_length=1, choices=Kind.choices)
    # The document's tokens, packed as signed 64-bit big-endian integers (search/tokens.py).
    tokens = models.BinaryField()

    class Meta:
        indexes = [
            # An erasure or a retention run: every document of these contacts.
            models.Index(fields=["tenant", "contact_id"], name="search_doc_tenant_contact"),
        ]


class SearchToken(TenantScopedModel):
    """One token of one document. No id of its own: the primary key is the index."""

    id = None
    tenant = _tenant()
    pk = models.CompositePrimaryKey("tenant_id", "token", "document_id")
    token = models.BigIntegerField()
    document_id = models.UUIDField()
