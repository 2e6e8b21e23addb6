"""An invitation's email is recorded as a delivery with one attempt row per try,
sent once, retried when the mail server defers, and resent on request."""

import re
import threading

import pytest
from django.db import connections

from tenants.models import Invitation, InvitationDelivery, Role
from tenants.services.invitation_delivery import MAX_ATTEMPTS, invitation_delivery_send
from tenants.tests.mail_server import MailServer

pytestmark = pytest.mark.django_db

LINK = re.compile(r"/invite/(?P<slug>[\w-]+)/(?P<token>inv_[\w-]+)/")
PASSWORD = "a long new password 42"


def _invite(world, email="new.agent@example.org", role=Role.AGENT):
    return world.client(Role.ADMIN).post(
        "/api/v1/invitations", {"email": email, "role": role}, format="json"
    )


def _outcomes(delivery) -> list[str]:
    return list(delivery.attempts.order_by("number").values_list("outcome", flat=True))


def _accept(client, message: str):
    link = LINK.search(message)
    assert link, message
    return client.post(
        "/api/v1/invitations/accept",
        {"tenant": link["slug"], "token": link["token"], "password": PASSWORD},
        format="json",
    )


def test_a_mail_server_that_defers_once_gets_the_invitation_exactly_once(
    tenant_a, anonymous, settings, django_capture_on_commit_callbacks
):
    with MailServer(defer=1) as server:
        for name, value in server.settings().items():
            setattr(settings, name, value)
        with django_capture_on_commit_callbacks(execute=True):
            created = _invite(tenant_a)
        assert created.status_code == 201, created.json()
        delivery = InvitationDelivery.objects.get(invitation_id=created.json()["id"])
        # The task delivered again (a worker lost after sending): nothing more goes out.
        from tenants.tasks import invitation_deliver

        invitation_deliver(str(delivery.pk))

    assert server.deferred == 1
    assert len(server.messages) == 1
    delivery.refresh_from_db()
    assert delivery.status == InvitationDelivery.Status.SENT
    assert _outcomes(delivery) == ["transient", "sent"]
    assert delivery.attempts.get(number=1).error_code == "smtp_451"
    # The one mail that went out carries a working link.
    assert _accept(anonymous, server.messages[0]).status_code == 201


def test_a_deferred_try_leaves_the_delivery_queued_for_a_later_retry(tenant_a, settings):
    """The worker path: the first try reports when to retry; nothing is marked
    sent and no token is stored until the mail server takes the mail."""
    invitation = Invitation.objects.create(
        tenant=tenant_a.tenant,
        email="later@example.org",
        role=Role.VIEWER,
        expires_at="2099-01-01T00:00:00Z",
    )
    delivery = InvitationDelivery.objects.create(tenant=tenant_a.tenant, invitation=invitation)
    with MailServer(defer=1) as server:
        for name, value in server.settings().items():
            setattr(settings, name, value)
        first = invitation_delivery_send(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        invitation.refresh_from_db()
        assert (first.sent, delivery.status, invitation.token_hash) == (False, "queued", None)
        assert first.retry_in and first.retry_in > 0
        second = invitation_delivery_send(delivery_id=delivery.pk)
        third = invitation_delivery_send(delivery_id=delivery.pk)
    assert (second.sent, third.sent, third.retry_in) == (True, False, None)
    assert len(server.messages) == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.sent_at is not None


def test_a_refused_address_fails_at_once_and_shows_the_reason(
    tenant_a, settings, django_capture_on_commit_callbacks
):
    with MailServer(refuse=True) as server:
        for name, value in server.settings().items():
            setattr(settings, name, value)
        with django_capture_on_commit_callbacks(execute=True):
            created = _invite(tenant_a, email="nobody@example.org").json()
    listed = tenant_a.client(Role.ADMIN).get("/api/v1/invitations").json()["results"]
    listed = next(i for i in listed if i["id"] == created["id"])
    delivery = listed["delivery"]
    assert listed["sent_at"] is None
    assert delivery["status"] == "failed"
    assert delivery["attempts"] == 1
    assert delivery["failure_code"] == "recipient_refused"
    assert "nobody@example.org" not in delivery["failure_reason"]
    assert server.messages == []


def test_an_unreachable_mail_server_is_retried_then_given_up(
    tenant_a, settings, django_capture_on_commit_callbacks
):
    with MailServer() as server:
        port = server.port
    # Nothing listens there any more: every connection is refused.
    for name, value in server.settings().items():
        setattr(settings, name, value)
    settings.EMAIL_PORT = port
    with django_capture_on_commit_callbacks(execute=True):
        created = _invite(tenant_a).json()
    delivery = InvitationDelivery.objects.get(invitation_id=created["id"])
    assert delivery.status == "failed"
    assert _outcomes(delivery) == ["transient"] * (MAX_ATTEMPTS - 1) + ["permanent"]
    assert delivery.failure_reason.startswith(f"Gave up after {MAX_ATTEMPTS} attempts.")


def test_resending_a_failed_invitation_sends_a_working_link(
    tenant_a, anonymous, settings, django_capture_on_commit_callbacks
):
    with MailServer(refuse=True) as server:
        for name, value in server.settings().items():
            setattr(settings, name, value)
        with django_capture_on_commit_callbacks(execute=True):
            created = _invite(tenant_a).json()
        server.refuse = False
        with django_capture_on_commit_callbacks(execute=True):
            resent = tenant_a.client(Role.ADMIN).post(f"/api/v1/invitations/{created['id']}/resend")
    assert resent.status_code == 202, resent.json()
    listed = tenant_a.client(Role.ADMIN).get("/api/v1/invitations").json()["results"]
    assert [i["delivery"]["status"] for i in listed] == ["sent"]
    assert InvitationDelivery.objects.filter(invitation_id=created["id"]).count() == 2
    assert len(server.messages) == 1
    assert _accept(anonymous, server.messages[0]).status_code == 201


def test_a_resent_link_replaces_the_previous_one(
    tenant_a, anonymous, django_capture_on_commit_callbacks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        created = _invite(tenant_a).json()
    with django_capture_on_commit_callbacks(execute=True):
        tenant_a.client(Role.ADMIN).post(f"/api/v1/invitations/{created['id']}/resend")
    assert len(mail.outbox) == 2
    assert _accept(anonymous, mail.outbox[0].body).status_code == 404
    assert _accept(anonymous, mail.outbox[1].body).status_code == 201


def test_an_invitation_withdrawn_before_its_mail_left_is_not_sent(
    tenant_a, django_capture_on_commit_callbacks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = _invite(tenant_a).json()
    tenant_a.client(Role.ADMIN).delete(f"/api/v1/invitations/{created['id']}")
    for callback in callbacks:
        callback()
    assert mail.outbox == []
    delivery = InvitationDelivery.objects.get(invitation_id=created["id"])
    assert (delivery.status, delivery.failure_code) == ("failed", "not_usable")


def test_only_staff_managers_resend_and_another_tenant_gets_404(
    tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = _invite(tenant_a).json()
    url = f"/api/v1/invitations/{created['id']}/resend"
    assert tenant_a.client(Role.AGENT).post(url).status_code == 403
    assert tenant_b.client(Role.ADMIN).post(url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_one_delivery_send_one_mail(tenant_a, settings):
    """Two workers get the same delivery (a redelivered task): the second waits
    on the delivery's row lock while the first talks to the mail server, then
    finds it sent."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    invitation = Invitation.objects.create(
        tenant=tenant_a.tenant, email="twice@example.org", role=Role.AGENT,
        expires_at="2099-01-01T00:00:00Z",
    )  # fmt: skip
    delivery = InvitationDelivery.objects.create(tenant=tenant_a.tenant, invitation=invitation)
    release = threading.Event()
    outcomes = []

    def worker():
        try:
            outcomes.append(invitation_delivery_send(delivery_id=delivery.pk))
        finally:
            connections.close_all()

    with MailServer(hold=release) as server:
        for name, value in server.settings().items():
            setattr(settings, name, value)
        first = threading.Thread(target=worker)
        first.start()
        assert server.receiving.wait(30), "the first worker never reached the mail server"
        second = threading.Thread(target=worker)
        second.start()
        _wait_for_a_lock_wait()
        release.set()
        first.join(30)
        second.join(30)
    assert sorted(o.sent for o in outcomes) == [False, True]
    assert len(server.messages) == 1
    delivery.refresh_from_db()
    assert (delivery.status, _outcomes(delivery)) == ("sent", ["sent"])


def _wait_for_a_lock_wait():
    """Until another connection waits on a row lock (the second worker)."""
    from django.db import connection

    for _ in range(300):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
        threading.Event().wait(0.1)
    raise AssertionError("the second worker never waited on the delivery's lock")


def test_a_delivery_whose_task_was_lost_is_queued_again_by_the_sweep(
    tenant_a, anonymous, settings, django_capture_on_commit_callbacks, monkeypatch
):
    """The broker was down when the invitation committed: the request still
    answers 201, and the sweeper sends the mail once the grace has passed."""
    import datetime as dt

    from django.utils import timezone

    from instaply.sweeper import sweep
    from tenants.tasks import invitation_deliver

    with MailServer() as server:
        for name, value in server.settings().items():
            setattr(settings, name, value)

        def broker_down(*args, **kwargs):
            raise ConnectionError("broker unreachable")

        with monkeypatch.context() as patched:
            patched.setattr(invitation_deliver, "apply_async", broker_down)
            with django_capture_on_commit_callbacks(execute=True):
                created = _invite(tenant_a)
        assert created.status_code == 201, created.json()
        delivery = InvitationDelivery.objects.get(invitation_id=created.json()["id"])
        assert delivery.status == InvitationDelivery.Status.QUEUED and not server.messages

        now = timezone.now()
        # Fresh, its task may still be on its way: left alone.
        assert sweep(now=now)["invitation_deliveries"] == 0
        later = now + dt.timedelta(seconds=settings.SWEEP_GRACE_SECONDS + 1)
        assert sweep(now=later)["invitation_deliveries"] == 1

    delivery.refresh_from_db()
    assert delivery.status == InvitationDelivery.Status.SENT
    assert len(server.messages) == 1
    assert _accept(anonymous, server.messages[0]).status_code == 201
    # Sent: the next sweep finds nothing to do.
    assert sweep(now=later)["invitation_deliveries"] == 0
