"""The retention run of one tenant: what goes, when, and what stays."""

import datetime as dt
from types import SimpleNamespace

import pytest

from attachments.mms import media_fetch_enqueue
from attachments.models import MediaFetch
from audit import actions
from audit.models import AuditEvent
from channels_sms.models import ConcatenatedParts, SendAttempt, WebhookDelivery
from conversations.models import (
    Contact,
    ContactIdentifier,
    Conversation,
    FeedEvent,
    Message,
    Note,
    WidgetVisitor,
)
from privacy import keyring
from privacy.crypto import is_erased
from privacy.dsr.models import AccessPackage, DataSubjectRequest
from privacy.dsr.tests.package_support import access_request
from privacy.models import DataKey
from privacy.retention.models import RetentionPolicy
from privacy.retention.run import retention_apply, retention_last_run, retention_preview
from privacy.retention.tests.support import START, History, ago, set_policy

pytestmark = pytest.mark.django_db

KINDS = (
    "conversations",
    "messages",
    "contacts",
    "webhook_deliveries",
    "concatenated_parts",
    "send_attempts",
    "visitor_sessions",
    "held",
)
# What the scene below holds that a run deletes (and keeps for a hold).
EXPECTED = {
    "conversations": 2,  # the old one and the closed one
    "messages": 5,
    "contacts": 1,  # the old conversation's contact; the closed one's has another
    "webhook_deliveries": 3,  # processed and failed by age, one with an old message
    "concatenated_parts": 1,
    "send_attempts": 3,  # two by age, one with a closed conversation's message
    "visitor_sessions": 2,  # one by age, one with the old conversation
    "held": 1,
}


def scene(h: History) -> SimpleNamespace:
    """Tenant A keeps conversations 365 days, closed ones 30; rows of every kind,
    at ages on both sides of each rule; a contact under a legal hold."""
    set_policy(h.tenant, 365, 30)
    s = SimpleNamespace()
    s.old = h.conversation(400, messages=3, notes=1, feed=2)
    old_messages = h.messages(s.old)
    h.attempt(old_messages[-1], 400)  # due by age too
    s.old_delivery = h.delivery(10, message=old_messages[0])  # young, goes with its message
    h.visitor(s.old, 5)  # young, goes with its conversation

    s.kept_contact = h.contact()
    s.closed = h.conversation(40, contact=s.kept_contact, status="closed")
    s.recent = h.conversation(5, contact=s.kept_contact)
    h.attempt(h.messages(s.closed)[0], 40)  # young, goes with its message

    s.closed_young = h.conversation(20, status="closed")
    s.open_mid = h.conversation(200)

    s.held_contact = h.contact()
    s.held = h.conversation(500, contact=s.held_contact)
    h.hold(s.held_contact)
    held_message = h.messages(s.held)[0]
    h.attempt(held_message, 200)
    h.delivery(60, message=held_message)
    h.visitor(s.held, 200)
    h.parts(10, sender=s.held_contact)

    for state in ("processed", "failed"):
        h.delivery(31, state=state)  # due (30 days)
    for state in ("pending", "unrouted"):
        h.delivery(31, state=state)  # left to the SMS app
    h.delivery(29)
    h.parts(3)  # due (2 days)
    h.parts(1)
    recent_message = h.messages(s.recent)[0]
    h.attempt(recent_message, 100)  # due (90 days)
    h.attempt(recent_message, 80)
    h.visitor(s.recent, 100)  # due (90 days)
    h.visitor(s.recent, 10)
    return s


def test_the_preview_counts_exactly_what_the_run_deletes(history):
    s = scene(history)
    preview = retention_preview(history.tenant)
    assert preview == EXPECTED
    assert list(preview) == list(KINDS)

    applied = retention_apply(history.tenant)
    assert applied == preview

    assert not Conversation.objects.filter(pk__in=[s.old.pk, s.closed.pk]).exists()
    left = set(Conversation.objects.values_list("pk", flat=True))
    assert left == {s.recent.pk, s.closed_young.pk, s.open_mid.pk, s.held.pk}
    assert not Contact.objects.filter(pk=s.old.contact_id).exists()
    assert Contact.objects.filter(pk=s.kept_contact.pk).exists()
    assert Message.objects.filter(conversation__in=[s.old, s.closed]).count() == 0
    assert not Note.objects.filter(conversation_id=s.old.pk).exists()
    assert not FeedEvent.objects.filter(conversation_id__in=[s.old.pk, s.closed.pk]).exists()
    assert FeedEvent.objects.filter(conversation_id=s.recent.pk).exists()
    assert not WebhookDelivery.objects.filter(pk=s.old_delivery.pk).exists()
    assert sorted(WebhookDelivery.objects.values_list("state", flat=True)) == [
        "pending",
        "processed",  # 29 days old
        "processed",  # the held contact's
        "unrouted",
    ]
    assert ConcatenatedParts.objects.count() == 2  # the young one and the held sender's
    assert SendAttempt.objects.count() == 2  # 80 days old, and the held contact's
    assert WidgetVisitor.objects.count() == 2  # 10 days old, and the held contact's


def test_a_dry_run_returns_the_preview_and_writes_nothing(history):
    scene(history)
    rows = {
        model: model.objects.count()
        for model in (Conversation, Message, Contact, WebhookDelivery, SendAttempt, WidgetVisitor)
    }
    events = AuditEvent.objects.count()

    assert retention_apply(history.tenant, dry_run=True) == EXPECTED

    assert {model: model.objects.count() for model in rows} == rows
    assert AuditEvent.objects.count() == events
    assert RetentionPolicy.objects.get(tenant=history.tenant).last_run == {}


def test_a_second_run_deletes_nothing_more(history):
    scene(history)
    assert retention_apply(history.tenant) == EXPECTED
    again = retention_apply(history.tenant)
    assert again == dict.fromkeys(KINDS, 0) | {"held": 1}
    assert retention_preview(history.tenant) == again


def test_each_run_writes_one_summary_event_with_the_counts(history):
    scene(history)
    counts = retention_apply(history.tenant)
    second = retention_apply(history.tenant)

    events = list(
        AuditEvent.objects.filter(action=actions.RETENTION_APPLIED).order_by("created_at", "id")
    )
    assert len(events) == 2
    assert [e.metadata for e in events] == [counts, second]
    assert {(e.tenant_id, e.actor_kind, e.actor_id) for e in events} == {
        (history.tenant.pk, "system", "retention")
    }
    # The key of the shredded contact is on record as a key operation.
    assert AuditEvent.objects.filter(action="key.destroyed").count() == 1

    policy = RetentionPolicy.objects.get(tenant=history.tenant)
    assert policy.last_run == {"at": START.isoformat(), "counts": second}
    assert retention_last_run(history.tenant) == policy.last_run


def test_another_tenant_is_untouched(history, history_b):
    scene(history)
    theirs = history_b.conversation(1000, notes=1)
    history_b.attempt(history_b.messages(theirs)[0], 1000)
    history_b.delivery(1000)
    history_b.visitor(theirs, 1000)
    history_b.parts(1000)

    retention_apply(history.tenant)

    tenant_b = history_b.tenant
    assert Conversation.objects.filter(pk=theirs.pk).exists()
    assert Message.objects.filter(tenant=tenant_b).count() == 2
    assert Contact.objects.filter(pk=theirs.contact_id).exists()
    for model in (SendAttempt, WebhookDelivery, WidgetVisitor, ConcatenatedParts, Note):
        assert model.objects.filter(tenant=tenant_b).count() == 1, model
    assert not AuditEvent.objects.filter(tenant=tenant_b, action=actions.RETENTION_APPLIED)
    # Its own run finds its own rows.
    assert retention_preview(tenant_b)["conversations"] == 1


def test_a_conversation_goes_once_it_has_had_no_activity_for_the_days(history):
    set_policy(history.tenant, 90)
    conversation = history.conversation(89)
    day = dt.timedelta(days=1)
    second = dt.timedelta(seconds=1)

    at = START + day - second  # 90 days less a second without activity
    assert retention_preview(history.tenant, now=at)["conversations"] == 0
    assert retention_apply(history.tenant, now=at)["conversations"] == 0
    assert Conversation.objects.filter(pk=conversation.pk).exists()

    assert retention_preview(history.tenant, now=START + day)["conversations"] == 1
    assert retention_apply(history.tenant, now=START + day)["conversations"] == 1
    assert not Conversation.objects.filter(pk=conversation.pk).exists()


def test_closed_conversations_go_sooner_only_when_the_tenant_says_so(history):
    policy = set_policy(history.tenant, 90)
    closed = history.conversation(45, status="closed")
    open_one = history.conversation(45)
    closed_young = history.conversation(20, status="closed")
    # Without closed_days, closed conversations follow the inactive days.
    assert retention_preview(history.tenant)["conversations"] == 0

    policy.closed_days = 30
    policy.save(update_fields=["closed_days"])
    assert retention_apply(history.tenant)["conversations"] == 1
    assert not Conversation.objects.filter(pk=closed.pk).exists()
    assert Conversation.objects.filter(pk__in=[open_one.pk, closed_young.pk]).count() == 2

    # A closed conversation past the inactive days goes under either rule, once.
    very_old = history.conversation(100, status="closed")
    assert retention_apply(history.tenant)["conversations"] == 1
    assert not Conversation.objects.filter(pk=very_old.pk).exists()


def test_a_legal_hold_keeps_the_contact_and_everything_of_it(history):
    set_policy(history.tenant, 90)
    contact = history.contact()
    old = history.conversation(400, contact=contact)
    older = history.conversation(500, contact=contact, status="closed")
    message = history.messages(old)[0]
    history.attempt(message, 400)
    history.delivery(400, message=message)
    history.visitor(old, 400)
    history.parts(400, sender=contact)
    hold = history.hold(contact)

    counts = retention_apply(history.tenant)
    assert counts == dict.fromkeys(KINDS, 0) | {"held": 2}
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert Conversation.objects.filter(pk__in=[old.pk, older.pk]).count() == 2
    assert Message.objects.filter(contact=contact).count() == 4
    assert SendAttempt.objects.count() == WebhookDelivery.objects.count() == 1
    assert WidgetVisitor.objects.count() == ConcatenatedParts.objects.count() == 1

    # Released, the next run deletes it all and shreds the contact.
    hold.released_at = START
    hold.save(update_fields=["released_at"])
    counts = retention_apply(history.tenant)
    assert counts["held"] == 0
    assert counts["conversations"] == 2 and counts["contacts"] == 1
    assert counts["send_attempts"] == counts["webhook_deliveries"] == 1
    assert counts["visitor_sessions"] == counts["concatenated_parts"] == 1
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_a_tenant_on_the_defaults_keeps_them_and_its_last_run_is_on_record(history, settings):
    settings.RETENTION_INACTIVE_DAYS_DEFAULT = 730
    young = history.conversation(729)
    old = history.conversation(731)
    assert retention_last_run(history.tenant) == {}

    counts = retention_apply(history.tenant)

    assert counts["conversations"] == 1
    assert Conversation.objects.filter(pk=young.pk).exists()
    assert not Conversation.objects.filter(pk=old.pk).exists()
    # No row is made for it: a row would pin today's defaults.
    assert not RetentionPolicy.objects.filter(tenant=history.tenant).exists()
    last = retention_last_run(history.tenant)
    assert last["counts"] == counts
    assert dt.datetime.fromisoformat(last["at"]) == START


def test_a_message_written_after_the_cutoff_goes_with_its_conversation(history):
    """A row that did not move the conversation's activity (a late status, a
    system message) is deleted by the conversation's cascade, and counted."""
    set_policy(history.tenant, 90)
    conversation = history.conversation(100)
    late = history.messages(conversation)[0]
    Message.objects.filter(pk=late.pk).update(created_at=ago(1))
    history.attempt(late, 1)
    history.delivery(1, message=late)

    preview = retention_preview(history.tenant)
    assert preview["messages"] == 2 and preview["send_attempts"] == 1
    assert preview["webhook_deliveries"] == 1
    assert retention_apply(history.tenant) == preview
    assert not Message.objects.filter(pk=late.pk).exists()
    assert not WebhookDelivery.objects.exists() and not SendAttempt.objects.exists()


def test_the_fetch_rows_of_its_mms_go_with_the_messages(
    history, django_capture_on_commit_callbacks
):
    set_policy(history.tenant, 90)
    conversation = history.conversation(100, messages=3)
    first, _, late = history.messages(conversation)
    Message.objects.filter(pk=late.pk).update(created_at=ago(1))  # goes by the cascade
    kept = history.conversation(10)
    with django_capture_on_commit_callbacks():  # as inbound MMS land; not fetched here
        media_fetch_enqueue([first, late])
        media_fetch_enqueue(history.messages(kept)[:1])
    assert MediaFetch.objects.count() == 3
    retention_apply(history.tenant)
    assert not Message.objects.filter(conversation=conversation).exists()
    assert [f.message.conversation_id for f in MediaFetch.objects.all()] == [kept.pk]


def test_it_deletes_in_batches_and_reports_progress(history):
    set_policy(history.tenant, 90)
    for _ in range(5):
        conversation = history.conversation(100, messages=3)
        history.attempt(history.messages(conversation)[0], 100)
    history.conversation(10)
    calls = []

    counts = retention_apply(
        history.tenant, batch_size=2, progress=lambda *call: calls.append(call)
    )

    assert counts["conversations"] == 5 and counts["messages"] == 15
    assert counts["contacts"] == 5 and counts["send_attempts"] == 5
    for kind in ("conversations", "messages", "contacts", "send_attempts"):
        seen = [(done, total) for k, done, total in calls if k == kind]
        assert [done for done, _ in seen] == sorted(done for done, _ in seen), kind
        assert seen[-1] == (counts[kind], counts[kind]), kind
        assert len(seen) >= counts[kind] // 2, kind  # batches of two
    messages = [done for kind, done, _ in calls if kind == "messages"]
    assert max(b - a for a, b in zip([0, *messages], messages, strict=False)) <= 2


def test_a_contact_left_with_no_conversation_is_crypto_shredded(history, settings, tmp_path):
    set_policy(history.tenant, 90)
    gone = history.conversation(100, notes=1)
    contact_id, tenant_id = gone.contact_id, history.tenant.pk
    message = history.messages(gone)[0]
    # What a backup holds: the rows' ciphertext, and an access package about them.
    backup = {
        "contact": Contact.objects.get(pk=contact_id).__dict__["name"],
        "message": Message.objects.get(pk=message.pk).__dict__["body"],
    }
    settings.PRIVACY_PACKAGE_DIR = tmp_path
    request = access_request(history.tenant, gone.contact)
    (tmp_path / "package.zip").write_bytes(b"the subject's data in clear")
    package = AccessPackage.objects.create(
        tenant=history.tenant, request=request, storage_name="package.zip", expires_at=ago(-7)
    )
    stays = history.contact()
    history.conversation(100, contact=stays)
    history.conversation(10, contact=stays)

    counts = retention_apply(history.tenant)

    assert counts["contacts"] == 1 and counts["conversations"] == 2
    assert not Contact.objects.filter(pk=contact_id).exists()
    assert not ContactIdentifier.objects.filter(contact_id=contact_id).exists()
    assert DataKey.objects.get(pk=contact_id).wrapped_key is None
    keyring.cache.clear()
    assert is_erased(keyring.data_cipher(tenant_id, contact_id))
    restored_contact = Contact(id=contact_id, tenant_id=tenant_id, name=backup["contact"])
    restored_message = Message(
        id=message.pk, tenant_id=tenant_id, contact_id=contact_id, body=backup["message"]
    )
    assert is_erased(restored_contact.name) and is_erased(restored_message.body)
    assert not (tmp_path / "package.zip").exists()
    assert AccessPackage.objects.get(pk=package.pk).deleted_at is not None
    # No data-subject request is made for it; the one on file loses its contact.
    assert DataSubjectRequest.objects.get() == request
    assert DataSubjectRequest.objects.get().contact_id is None
    # The other contact, with a conversation left, is whole.
    assert Contact.objects.get(pk=stays.pk).name == stays.name
    assert Conversation.objects.filter(contact=stays).count() == 1


def test_a_contact_being_erased_is_left_to_its_erasure(history):
    set_policy(history.tenant, 90)
    conversation = history.conversation(100)
    Contact.objects.filter(pk=conversation.contact_id).update(erased_at=START)

    preview = retention_preview(history.tenant)
    assert preview["conversations"] == 1 and preview["contacts"] == 0
    assert retention_apply(history.tenant) == preview
    assert Contact.objects.filter(pk=conversation.contact_id).exists()


def test_a_hold_set_during_a_run_stops_it_at_the_next_batch(history):
    set_policy(history.tenant, 90)
    conversation = history.conversation(100, messages=6)
    contact = Contact.objects.get(pk=conversation.contact_id)

    def hold_once_started(kind, done, total):
        if kind == "messages" and done == 2:
            history.hold(contact)

    counts = retention_apply(history.tenant, batch_size=2, progress=hold_once_started)

    assert counts["messages"] == 2  # the batch before the hold
    assert counts["conversations"] == counts["contacts"] == 0
    assert counts["held"] == 1
    assert Message.objects.filter(conversation=conversation).count() == 4
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_a_run_stopped_half_way_is_finished_by_the_next(history):
    set_policy(history.tenant, 90)
    for _ in range(4):
        history.conversation(100)

    def stop_in_the_second_batch(kind, done, total):
        if kind == "conversations" and done > 2:
            raise RuntimeError("worker lost")

    with pytest.raises(RuntimeError):
        retention_apply(history.tenant, batch_size=2, progress=stop_in_the_second_batch)

    # The first batch went whole, with its contacts; the second not at all.
    assert Conversation.objects.count() == 2
    assert Contact.objects.count() == 2
    assert not AuditEvent.objects.filter(action=actions.RETENTION_APPLIED).exists()

    counts = retention_apply(history.tenant, batch_size=2)
    assert counts["conversations"] == counts["contacts"] == 2
    assert not Conversation.objects.exists() and not Contact.objects.exists()
