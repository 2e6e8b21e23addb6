"""Audit rows can be added, never changed or removed: by the model, the queryset,
the database itself, and the admin."""

import datetime as dt

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import AppendOnlyError, AuditEvent, AuditSeal
from audit.retention import enforce_retention
from audit.sealing import seal_events
from audit.tests.conftest import make_events, on_postgres
from tenants.models import User

pytestmark = pytest.mark.django_db


def test_the_model_refuses_to_update_or_delete_an_event():
    (event,) = make_events(1)
    event.action = "auth.login.succeeded"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.save(update_fields=["action"])
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x.y")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "personal_data.read"


def test_the_model_refuses_to_update_or_delete_a_seal():
    make_events(1)
    seal_events()
    seal = AuditSeal.objects.get()
    with pytest.raises(AppendOnlyError):
        seal.save()
    with pytest.raises(AppendOnlyError):
        AuditSeal.objects.all().update(hash="0" * 64)
    with pytest.raises(AppendOnlyError):
        AuditSeal.objects.all().delete()


@on_postgres
@pytest.mark.parametrize("table", ["audit_auditevent", "audit_auditseal"])
def test_the_database_rejects_update_and_delete_even_in_raw_sql(table):
    make_events(2)
    seal_events()
    column = "action" if table == "audit_auditevent" else "hash"
    with (
        pytest.raises(DatabaseError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET {column} = %s", ["tampered"])
    with (
        pytest.raises(DatabaseError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {table}")
    assert AuditEvent.objects.count() == 2 and AuditSeal.objects.count() == 2


def test_the_admin_shows_events_and_alerts_read_only():
    from web.tests.helpers import verified_client

    (event,) = make_events(1)
    admin = User.objects.create_superuser("root@platform.example", "a long admin password")
    client = verified_client(admin)  # the admin asks for a second factor (OTPAdminSite)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    detail = client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert detail.status_code == 200
    assert b'name="action"' not in detail.content  # shown, not editable
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    assert client.post(f"/admin/audit/auditevent/{event.pk}/change/", {}).status_code == 403
    assert client.get("/admin/audit/securityalert/").status_code == 200
    assert client.get("/admin/audit/securityalert/add/").status_code == 403


@on_postgres
def test_the_trigger_still_holds_after_retention_went_past_it():
    with time_machine.travel(timezone.now() - dt.timedelta(days=500), tick=False):
        make_events(2)
    make_events(1)
    assert enforce_retention().events_pruned == 2
    with (
        pytest.raises(DatabaseError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 1
