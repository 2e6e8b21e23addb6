"""Reads of the inbox. Every function takes the tenant; ids from outside are
looked up inside it, so another tenant's object is the same 404 as a missing one."""

import datetime as dt
import uuid

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Func, JSONField, OuterRef, QuerySet, Subquery
from django.db.models.fields.tuple_lookups import Tuple, TupleLessThan

from conversations.models import (
    CannedResponse,
    Contact,
    ContactIdentifier,
    Conversation,
    ConversationLabel,
    ConversationRead,
    Label,
    Message,
    Note,
    Widget,
)
from instaply.api import cursors
from instaply.errors import Invalid, NotFound
from privacy.blind_index import NORMALISERS, blind_index
from tenants.compiled import CompiledQuery
from tenants.models import Membership, Tenant
from tenants.scoping import tenant_get, tenant_id_of


def _field(model, name):
    return model._meta.get_field(name)


def conversation_get(*, tenant: Tenant, id) -> Conversation:
    return tenant_get(
        # previous: the thread's "Follows the conversation of <date>" line.
        Conversation.objects.select_related("contact", "shop", "assignee__user", "previous"),
        tenant=tenant,
        id=id,
        what="conversation",
    )


def conversation_ref(*, tenant: Tenant, id) -> Conversation:
    """The tenant's conversation by id with only its id and tenant loaded: for a
    read that needs to know no more than that it is there (a thread page). The
    joins of ``conversation_get`` cost a thread page about 1 ms of CPU more, and
    the ORM compiling even this lookup on each request (tenants/compiled.py).
    Another tenant's id, a missing one and a malformed one are the same 404."""
    try:
        found = _CONVERSATION_REF.fetch(tenant=tenant, id=id) if id is not None else []
    except (ValidationError, ValueError, TypeError):
        found = []
    if not found:
        raise NotFound("No conversation with this id.")
    return found[0]


_CONVERSATION_REF = CompiledQuery(
    lambda shape, p: (
        Conversation.objects.for_tenant(p["tenant"]).filter(pk=p["id"]).only("id", "tenant_id")[:1]
    ),
    tenant=_field(Conversation, "tenant"),
    id=_field(Conversation, "id"),
    # Planned in about 0.05 ms: less than the scope switch's own round trip,
    # which a prepared statement would need (it is a thread page's first query).
    # Under a bearer token the connection is in the tenant's scope already (the
    # token's lookup set it), and it is prepared like the others.
    prepare_after_switch=False,
)


def conversation_list(
    *,
    tenant: Tenant,
    member: Membership,
    status: str | None = None,
    assignee: str | None = None,
    shop_id=None,
    label_id=None,
    contact_lookup: tuple[str, str] | None = None,
    cursor: str | None = None,
    limit: int = 25,
    channel: str | None = None,
) -> tuple[list[Conversation], str | None]:
    """A page of the inbox, newest activity first, with the caller's unread counts.

    One query for the page (contact, assignee and read position joined), one for
    the labels, at most one for data keys not cached yet (at the first read of an
    encrypted value: privacy/pages.py). No COUNT(*). Both queries are compiled
    once per shape (tenants/compiled.py).
    """
    values, unassigned = {"member": member.id}, False
    if status:
        if status not in Conversation.Status.values:
            raise Invalid(
                "Unknown status.",
                fields={"status": [f"One of {', '.join(Conversation.Status.values)}."]},
            )
        values["status"] = status
    if assignee == "me":
        values["assignee"] = member.id
    elif assignee == "unassigned":
        unassigned = True
    elif assignee:
        values["assignee"] = _uuid(assignee, "assignee")
    if shop_id:
        values["shop"] = _uuid(shop_id, "shop")
    if label_id:
        values["label"] = _uuid(label_id, "label")
    if channel:
        values["channel"] = channel
    if contact_lookup:
        kind, value = contact_lookup
        values["kind"] = kind
        values["index"] = blind_index(tenant.id, kind, NORMALISERS[kind](value))
    if cursor:
        values["at"], values["last_id"] = cursors.decode(cursor, dt.datetime, uuid.UUID)
    page = _INBOX_PAGE.fetch(tenant=tenant, shape=(unassigned, limit + 1), **values)
    more = len(page) > limit
    page = page[:limit]
    if _labels_in_page():
        for conversation in page:
            conversation.label_list = _labels(conversation.__dict__.pop("label_rows"))
    else:
        _attach_labels(tenant, page)
    for conversation in page:
        conversation.unread_count = max(0, conversation.inbound_count - (conversation.seen or 0))
    next_cursor = cursors.encode(page[-1].last_activity_at, page[-1].id) if more and page else None
    return page, next_cursor


def _inbox_page(shape: tuple[bool, int], p: dict) -> QuerySet[Conversation]:
    """The inbox page query of one shape (``p`` holds the parameters it uses)."""
    unassigned, size = shape
    # Index: conv_tenant_activity / conv_tenant_status / conv_tenant_assignee.
    rows = Conversation.objects.for_tenant(p["tenant"])
    if "status" in p:
        rows = rows.filter(status=p["status"])
    if "assignee" in p:
        rows = rows.filter(assignee_id=p["assignee"])
    if unassigned:
        rows = rows.filter(assignee__isnull=True)
    if "shop" in p:
        rows = rows.filter(shop_id=p["shop"])
    if "label" in p:
        rows = rows.filter(labels=p["label"])
    if "channel" in p:
        rows = rows.filter(channel=p["channel"])
    if "kind" in p:
        rows = rows.filter(
            contact__identifiers__kind=p["kind"], contact__identifiers__blind_index=p["index"]
        )
    if "at" in p:
        # A row comparison, so PostgreSQL seeks into conv_tenant_activity instead of
        # filtering every row before the cursor: a deep page costs a first page.
        rows = rows.filter(
            TupleLessThan(Tuple(F("last_activity_at"), F("id")), (p["at"], p["last_id"]))
        )
    seen = (
        ConversationRead.objects.for_tenant(p["tenant"])
        .filter(conversation=OuterRef("pk"), membership_id=p["member"])
        .values("inbound_count_seen")[:1]
    )
    rows = rows.select_related("contact", "assignee__user").only(*_LIST_COLUMNS)
    if _labels_in_page():
        # Each conversation's labels as an array in its own row: no second query.
        labels = (
            ConversationLabel.objects.for_tenant(p["tenant"])
            .filter(conversation=OuterRef("pk"))
            .values(
                row=Func(
                    "label_id",
                    "label__name",
                    "label__colour",
                    function="JSONB_BUILD_ARRAY",
                    output_field=JSONField(),
                )
            )
        )
        rows = rows.annotate(label_rows=ArraySubquery(labels, output_field=ArrayField(JSONField())))
    return rows.annotate(seen=Subquery(seen)).order_by("-last_activity_at", "-id")[:size]


def _labels_in_page() -> bool:
    # ARRAY(subquery) is PostgreSQL's; the embedded database reads labels apart.
    return connection.vendor == "postgresql"


def _labels(rows) -> list[dict]:
    """A conversation's labels, from (id, name, colour) rows, as the inbox shows
    them: by name, in Python's order whatever the database's collation."""
    labels = [{"id": id_, "name": name, "colour": colour} for id_, name, colour in rows]
    return sorted(labels, key=lambda label: label["name"]) if len(labels) > 1 else labels


_INBOX_PAGE = CompiledQuery(
    _inbox_page,
    tenant=_field(Conversation, "tenant"),
    member=_field(ConversationRead, "membership"),
    status=_field(Conversation, "status"),
    assignee=_field(Conversation, "assignee"),
    shop=_field(Conversation, "shop"),
    label=_field(ConversationLabel, "label"),
    channel=_field(Conversation, "channel"),
    kind=_field(ContactIdentifier, "kind"),
    index=_field(ContactIdentifier, "blind_index"),
    at=_field(Conversation, "last_activity_at"),
    last_id=_field(Conversation, "id"),
)


_LIST_COLUMNS = (
    "id", "tenant_id", "shop_id", "contact_id", "channel", "status", "snoozed_until",
    "assignee_id", "last_activity_at", "last_message_preview", "inbound_count",
    "closed_at", "previous_id",
    "contact__id", "contact__tenant_id", "contact__name", "contact__email", "contact__phone",
    "contact__age_status", "contact__opted_out_channels", "contact__processing_restricted",
    "contact__objections",
    "assignee__id", "assignee__role", "assignee__user__id", "assignee__user__full_name",
    "assignee__user__email",
)  # fmt: skip


def _attach_labels(tenant: Tenant, page: list[Conversation]) -> None:
    """Each conversation's labels, for the whole page in one light query."""
    by_conversation = {c.id: [] for c in page}
    if not page:
        return
    rows = _PAGE_LABELS.fetch(tenant=tenant, conversations=list(by_conversation))
    for conversation_id, label_id, name, colour in rows:
        by_conversation[conversation_id].append((str(label_id), name, colour))
    for conversation in page:
        conversation.label_list = _labels(by_conversation[conversation.id])


def _page_labels(shape: tuple, p: dict) -> QuerySet[ConversationLabel]:
    return (
        ConversationLabel.objects.for_tenant(p["tenant"])
        .filter(conversation_id__in=p["conversations"])
        .values_list("conversation_id", "label_id", "label__name", "label__colour")
    )


_PAGE_LABELS = CompiledQuery(
    _page_labels,
    tenant=_field(ConversationLabel, "tenant"),
    conversations=_field(ConversationLabel, "conversation"),
)


def _uuid(value, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Invalid(f"{field} is not a valid id.", fields={field: ["Not a valid id."]}) from None


def message_list(
    *, conversation: Conversation, cursor: str | None = None, limit: int = 50
) -> tuple[list[Message], str | None]:
    """A thread page, newest first (UUIDv7 ids are time-ordered)."""
    return _message_page(conversation.tenant_id, conversation.id, cursor, limit)


def thread_page(
    *, tenant: Tenant, conversation_id, cursor: str | None = None, limit: int = 50
) -> tuple[list[Message], str | None]:
    """``message_list`` of the tenant's conversation with this id, for a read that
    needs nothing of the conversation but that it is there. A page with messages
    shows it is: they are the tenant's, as their conversation is. Only an empty
    page asks for the conversation (``conversation_ref``), so the thread page's
    usual cost is one query, and another tenant's id, a missing one and a
    malformed one are the same 404 as before."""
    try:
        conversation_id = uuid.UUID(str(conversation_id))
    except ValueError:
        raise NotFound("No conversation with this id.") from None
    page, next_cursor = _message_page(tenant_id_of(tenant), conversation_id, cursor, limit)
    if not page:
        conversation_ref(tenant=tenant, id=conversation_id)
    return page, next_cursor


def _message_page(tenant_id, conversation_id, cursor, limit) -> tuple[list[Message], str | None]:
    values = {"conversation": conversation_id}
    if cursor:
        (values["before"],) = cursors.decode(cursor, uuid.UUID)
    page = _THREAD_PAGE.fetch(tenant=tenant_id, shape=(limit + 1,), **values)
    more = len(page) > limit
    page = page[:limit]
    return page, cursors.encode(page[-1].id) if more and page else None


def _thread_page(shape: tuple[int], p: dict) -> QuerySet[Message]:
    (size,) = shape
    # Index: message_tenant_thread (tenant_id, conversation_id, id DESC).
    rows = Message.objects.for_tenant(p["tenant"]).filter(conversation_id=p["conversation"])
    if "before" in p:
        rows = rows.filter(id__lt=p["before"])
    return rows.select_related("sender__user").only(*_THREAD_COLUMNS).order_by("-id")[:size]


# Every column of the message; of its sender, what the page shows (member_ref):
# not the user's password hash, login times or flags.
_THREAD_COLUMNS = (
    *(field.name for field in Message._meta.concrete_fields),
    "sender__id", "sender__tenant_id", "sender__role",
    "sender__user__id", "sender__user__full_name", "sender__user__email",
)  # fmt: skip


_THREAD_PAGE = CompiledQuery(
    _thread_page,
    tenant=_field(Message, "tenant"),
    conversation=_field(Message, "conversation"),
    before=_field(Message, "id"),
)


def message_get(*, conversation: Conversation, id) -> Message:
    return tenant_get(
        Message.objects.filter(conversation=conversation),
        tenant=conversation.tenant_id,
        id=id,
        what="message",
    )


def note_list(*, conversation: Conversation) -> list[Note]:
    return list(
        Note.objects.for_tenant(conversation.tenant_id)
        .filter(conversation=conversation)
        .select_related("author__user")
        .order_by("-id")[:200]
    )


def contact_get(*, tenant: Tenant, id) -> Contact:
    return tenant_get(Contact.objects, tenant=tenant, id=id, what="contact")


def contact_list(*, tenant: Tenant, cursor: str | None = None, limit: int = 25):
    rows = Contact.objects.for_tenant(tenant).filter(erased_at__isnull=True)
    if cursor:
        (before,) = cursors.decode(cursor, uuid.UUID)
        rows = rows.filter(id__lt=before)
    page = list(rows.order_by("-id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, cursors.encode(page[-1].id) if more and page else None


def contact_conversation_list(
    *, tenant: Tenant, contact: Contact, cursor: str | None = None, limit: int = 25
) -> tuple[list[Conversation], str | None]:
    """A contact's conversations on every channel, newest first, keyset on id
    (UUIDv7 is time-ordered), with their assignees: one query a page."""
    # Index: conv_tenant_contact_history (tenant, contact, id DESC).
    rows = Conversation.objects.for_tenant(tenant).filter(contact=contact)
    if cursor:
        (before,) = cursors.decode(cursor, uuid.UUID)
        rows = rows.filter(id__lt=before)
    page = list(rows.select_related("assignee__user").order_by("-id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, cursors.encode(page[-1].id) if more and page else None


def reopening_list(*, conversation: Conversation) -> list:
    """When the contact's new messages reopened this conversation (system lines)."""
    from conversations.models import Reopening

    # Index: reopening_tenant_thread (tenant, conversation, id DESC).
    return list(
        Reopening.objects.for_tenant(conversation.tenant_id)
        .filter(conversation=conversation)
        .order_by("-id")[:200]
    )


def label_list(*, tenant: Tenant) -> QuerySet[Label]:
    return Label.objects.for_tenant(tenant).order_by("name")


def label_get(*, tenant: Tenant, id) -> Label:
    return tenant_get(Label.objects, tenant=tenant, id=id, what="label")


def canned_response_list(*, tenant: Tenant) -> QuerySet[CannedResponse]:
    return CannedResponse.objects.for_tenant(tenant).order_by("shortcut")


def canned_response_get(*, tenant: Tenant, id) -> CannedResponse:
    return tenant_get(CannedResponse.objects, tenant=tenant, id=id, what="canned response")


def widget_list(*, tenant: Tenant) -> QuerySet[Widget]:
    return Widget.objects.for_tenant(tenant).select_related("shop").order_by("created_at")


def widget_get(*, tenant: Tenant, id) -> Widget:
    return tenant_get(Widget.objects.select_related("shop"), tenant=tenant, id=id, what="widget")


def feed_event_list(*, tenant: Tenant, after: int, limit: int = 100, settle_seconds: float = 1.0):
    """Feed entries after ``after``, only those at least ``settle_seconds`` old, so
    an entry still committing with a smaller sequence number is never skipped."""
    from django.db.models.functions import Now

    from conversations.models import FeedEvent

    # Index: feed_event_tenant_seq (tenant_id, seq).
    return list(
        FeedEvent.objects.for_tenant(tenant)
        .filter(seq__gt=after, created_at__lte=Now() - dt.timedelta(seconds=settle_seconds))
        .order_by("seq")[:limit]
    )


def feed_latest_seq(*, tenant: Tenant) -> int:
    from conversations.models import FeedEvent

    latest = (
        FeedEvent.objects.for_tenant(tenant).order_by("-seq").values_list("seq", flat=True).first()
    )
    return latest or 0
