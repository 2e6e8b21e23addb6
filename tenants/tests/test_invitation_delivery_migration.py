"""Upgrading keeps every invitation's story: what was emailed counts as sent,
what never left shows as failed (so an admin resends it), duplicates are withdrawn."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("table_owner")]

BEFORE = [("tenants", "0002_shop_auto_reply_text_shop_help_text")]
AFTER = [("tenants", "0003_invitation_delivery")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_past_invitations_get_delivery_rows_and_fit_the_new_rules():
    old = _migrate(BEFORE)
    try:
        tenant = old.get_model("tenants", "Tenant").objects.create(name="Old", slug="old")
        invitation = old.get_model("tenants", "Invitation")
        now = timezone.now()

        def make(email, **fields):
            return invitation.objects.create(
                tenant=tenant, email=email, role="agent", expires_at=now, **fields
            ).pk

        sent = make("sent@example.org", sent_at=now)
        lost = make("lost@example.org")
        older_twin = make("Twin@example.org", sent_at=now)
        newer_twin = make("twin@example.org", sent_at=now)

        new = _migrate(AFTER)
        invitation = new.get_model("tenants", "Invitation")
        delivery = new.get_model("tenants", "InvitationDelivery")
        assert delivery.objects.get(invitation_id=sent).status == "sent"
        assert delivery.objects.get(invitation_id=lost).status == "failed"
        assert delivery.objects.get(invitation_id=lost).failure_code == "not_sent"
        assert invitation.objects.get(pk=older_twin).revoked_at is not None
        assert invitation.objects.get(pk=newer_twin).revoked_at is None
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
