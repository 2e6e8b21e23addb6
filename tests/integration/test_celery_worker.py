"""A real Celery worker on Redis runs a task and its effect lands in PostgreSQL."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tenants.models import Invitation, InvitationDelivery, Role
from tenants.tests.factories import MembershipFactory, TenantFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: CI runs it against Redis"),
]


@pytest.fixture
def celery_worker_process(celery_eager):
    """A worker process on the test database and a private queue name."""
    celery_eager.conf.task_always_eager = False
    queue = f"test-{os.getpid()}"
    db = connection.settings_dict
    env = os.environ | {
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "instaply",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker needs a shared database")
def test_worker_sends_an_invitation(celery_worker_process):
    from tenants.services.invitation_delivery import invitation_delivery_queue
    from tenants.tasks import invitation_deliver

    owner = MembershipFactory(tenant=TenantFactory(name="Worker Test"), role=Role.OWNER)
    invitation = Invitation.objects.create(
        tenant=owner.tenant,
        email="w@example.org",
        role=Role.AGENT,
        expires_at="2099-01-01T00:00:00Z",
    )
    delivery = invitation_delivery_queue(invitation=invitation)
    invitation_deliver.apply_async(args=[str(delivery.pk)], queue=celery_worker_process)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.status != InvitationDelivery.Status.QUEUED:
            break
        time.sleep(0.2)
    assert delivery.status == InvitationDelivery.Status.SENT, "the worker did not send within 30 s"
    invitation.refresh_from_db()
    assert invitation.token_hash
