"""Queue a refresh of the records of the tenants a committed change concerns.

Signals are the one place that sees every write of these inputs whichever
service made it; they only collect tenant ids, and one callback per
transaction queues each tenant once after commit (nothing on rollback).
A save whose ``update_fields`` touch nothing the record reads (a retention
run's outcome, a sign-in's ``last_login``) queues nothing.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from channels_sms.models import PhoneNumber
from compliance.models import SubProcessor, SubProcessorChange
from compliance.records.tasks import refresh_all_records, refresh_records
from conversations.models import Widget
from instaply.publish import publish
from privacy.models import TenantKey
from privacy.retention.models import RetentionPolicy
from tenants.models import Membership, Role, Tenant

ALL = "all"
# The fields of each input the record reads; None: any field.
WATCHED = {
    Tenant: {
        "name",
        "data_region",
        "require_2fa_for_all",
        "send_policy_messages",
        "analytics_opt_out",
    },
    PhoneNumber: {"provider", "active", "deactivated_at", "tenant"},
    Widget: {
        "active",
        "pre_chat_fields",
        "age_gate",
        "special_category_consent",
        "special_category_text_version",
    },
    RetentionPolicy: {"inactive_days", "closed_days"},
    TenantKey: None,
    Membership: {"role", "revoked_at"},
    SubProcessor: None,
    SubProcessorChange: None,
}
USER_FIELDS = {"email", "full_name", "is_active"}


def queue_refresh(tenant_id) -> None:
    """Refresh ``tenant_id``'s records after the current transaction commits (at
    once outside one); ``ALL`` refreshes every tenant's."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _send({tenant_id})
        return
    _pending(connection).add(tenant_id)


class _Pending:
    """The tenant ids one transaction collected, and the flush callbacks that
    send them (the first to run sends them all; the others find nothing)."""

    def __init__(self):
        self.ids: set = set()
        self.flushes: list = []

    def flush(self):
        ids, self.ids = self.ids, set()
        if ids:
            _send(ids)


def _pending(connection) -> set:
    # Django's on-commit list says what is still to run: a state none of whose
    # flushes is in it belongs to a transaction that committed or rolled back.
    # One flush per savepoint level, so a rolled-back savepoint drops its own
    # and a test's captured block runs one (a rolled-back savepoint's ids may
    # still go with the transaction's: one refresh too many, never one too few).
    entries = connection.run_on_commit
    state = getattr(connection, "_records_pending", None)
    if state is None or not any(entry[1] in state.flushes for entry in entries):
        state = connection._records_pending = _Pending()
    level = set(connection.savepoint_ids)
    if not any(entry[1] in state.flushes and entry[0] == level for entry in entries):
        callback = _bound(state)
        state.flushes.append(callback)
        transaction.on_commit(callback)
    return state.ids


def _bound(state: _Pending):
    def flush():
        state.flush()

    return flush


def _send(tenant_ids: set) -> None:
    """Runs after commit: a lost publish is logged, and the daily refresh of all
    (beat) catches up."""
    if ALL in tenant_ids:
        publish(refresh_all_records)
        return
    for tenant_id in sorted(str(t) for t in tenant_ids):
        publish(refresh_records, tenant_id)


def _touches(sender, update_fields) -> bool:
    watched = WATCHED.get(sender)
    return watched is None or update_fields is None or bool(watched & set(update_fields))


def _on_change(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or not _touches(sender, update_fields):
        return
    if sender in (SubProcessor, SubProcessorChange):
        queue_refresh(ALL)
    elif sender is Tenant:
        queue_refresh(instance.pk)
    else:
        queue_refresh(instance.tenant_id)


def _on_user_change(sender, instance, raw=False, update_fields=None, **kwargs):
    # A representative's name or email is in the record.
    if raw or instance._state.adding or (update_fields and not USER_FIELDS & set(update_fields)):
        return
    memberships = Membership.objects.dangerously_unscoped(
        reason="the workspaces whose records name this person"
    ).filter(user=instance, role__in=(Role.OWNER, Role.PRIVACY))
    for tenant_id in memberships.values_list("tenant_id", flat=True):
        queue_refresh(tenant_id)


def connect() -> None:
    for model in WATCHED:
        uid = f"records-refresh-{model._meta.label_lower}"
        post_save.connect(_on_change, sender=model, dispatch_uid=uid)
        if model is not Tenant:
            post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}-delete")
    post_save.connect(_on_user_change, sender=get_user_model(), dispatch_uid="records-user")
