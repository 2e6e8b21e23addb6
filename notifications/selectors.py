"""Reads of notifications: a member's preferences, mentions and unread counts.
Every function takes the member (or the tenant) and reads inside its tenant."""

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from conversations.models import Conversation, ConversationRead
from notifications.models import Mention, Preference
from tenants.models import Membership, Tenant
from tenants.permissions import Capability
from tenants.scoping import tenant_get
from tenants.selectors import membership_list
from tenants.selectors_notices import notice_unread_count

# The title shows "(99+)" past this: the count is a bounded query, not a scan.
UNREAD_CAP = 99


def preference_of(*, member: Membership) -> Preference:
    """The member's choices, or the defaults (unsaved) when they never chose."""
    found = Preference.objects.for_tenant(member.tenant_id).filter(member=member).first()
    return found or Preference(tenant_id=member.tenant_id, member=member)


def mention_candidates(*, tenant: Tenant) -> list[Membership]:
    """The members a note may name: active, and allowed to read conversations."""
    return [m for m in membership_list(tenant=tenant) if m.can(Capability.CONVERSATIONS_READ)]


def _waiting_for(member: Membership) -> QuerySet[Conversation]:
    """Open conversations assigned to the member or to nobody."""
    # Index: conv_tenant_status (tenant_id, status, ...), then the assignee.
    return (
        Conversation.objects.for_tenant(member.tenant_id)
        .filter(status=Conversation.Status.OPEN)
        .filter(Q(assignee=member) | Q(assignee__isnull=True))
    )


def _unread(rows: QuerySet[Conversation], member: Membership) -> QuerySet[Conversation]:
    seen = (
        ConversationRead.objects.for_tenant(member.tenant_id)
        .filter(conversation=OuterRef("pk"), membership=member)
        .values("inbound_count_seen")[:1]
    )
    return rows.annotate(seen=Coalesce(Subquery(seen), Value(0))).filter(
        inbound_count__gt=F("seen")
    )


def unread_conversation_count(*, member: Membership) -> int:
    """How many open conversations, assigned to the member or unassigned, hold
    inbound messages they have not read; at most UNREAD_CAP + 1."""
    if not member.can(Capability.CONVERSATIONS_READ):
        return 0
    ids = _unread(_waiting_for(member), member).values("pk")[: UNREAD_CAP + 1]
    return len(ids)


def waiting_for_member(*, member: Membership, ids) -> list[str]:
    """Of these conversation ids, those that concern the member (open, assigned
    to them or unassigned): what desktop notifications and sound are for."""
    if not ids or not member.can(Capability.CONVERSATIONS_READ):
        return []
    rows = _waiting_for(member).filter(pk__in=ids).values_list("pk", flat=True)
    return [str(pk) for pk in rows]


def mention_list(*, member: Membership, unread: bool | None = None) -> QuerySet[Mention]:
    """The member's mentions, newest first; none once they may no longer read
    conversations (a role change does not leave old pointers readable)."""
    rows = Mention.objects.for_tenant(member.tenant_id).filter(member=member)
    if not member.can(Capability.CONVERSATIONS_READ):
        return rows.none()
    if unread is not None:
        rows = rows.filter(read_at__isnull=unread)
    # Index: notify_mention_member (tenant_id, member_id, created_at DESC).
    return rows.select_related("author__user").order_by("-created_at", "-id")


def mention_unread_count(*, member: Membership) -> int:
    return mention_list(member=member, unread=True).count()


def notice_badge_count(*, member: Membership, mentions: int | None = None) -> int:
    """What the Notices link of the navigation counts: the member's unread in-app
    notices (tenants) and their unread mentions, which are notices addressed to
    them alone. ``mentions``: already counted by the caller (/api/v1/me/unread).
    One indexed count each (notice_tenant_cap, notify_mention_member)."""
    if mentions is None:
        mentions = mention_unread_count(member=member)
    return notice_unread_count(membership=member) + mentions


def mention_get(*, member: Membership, id) -> Mention:
    """One of the member's own mentions; anyone else's is a 404."""
    return tenant_get(mention_list(member=member), tenant=member.tenant_id, id=id, what="mention")
