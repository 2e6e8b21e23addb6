"""The DPO's console pages of privacy requests: only the DPO opens them; the
queue's order and overdue marking; counts, never content; the actions through
the pages, each refused with a clear message when it does not apply."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from audit.models import AuditEvent
from conversations.services.contacts import contact_update
from conversations.tests.factories import MessageFactory
from platform_staff.tests.console_helpers import console_client, make_platform_person
from privacy.dsr import services
from privacy.dsr.holds import legal_hold_set
from privacy.dsr.models import DataSubjectRequest
from privacy.dsr.tests.helpers import contact_with, file
from tenants.models import Notice, Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # 10:00 in Paris
State = DataSubjectRequest.State
PHONE = "+33612345678"
SECRETS = ("Zoé Secret-Subject", PHONE, "zoe.secret@example.org", "my parcel 8812", "a note 5531")


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def dpo(db):
    return make_platform_person(("dpo",))


@pytest.fixture
def dpo_page(dpo):
    return console_client(dpo)


@pytest.fixture
def subject(tenant_a):
    """A contact of tenant A with a conversation of two messages."""
    contact = contact_with(tenant_a, phone=PHONE, email="zoe.secret@example.org")
    contact_update(actor=tenant_a.owner, contact=contact, name=SECRETS[0])
    first = MessageFactory(
        conversation__tenant=tenant_a.tenant,
        conversation__shop=tenant_a.shop,
        conversation__contact=contact,
        body=f"Where is {SECRETS[3]}?",
    )
    MessageFactory(conversation=first.conversation, body="Thanks")
    return contact


@pytest.fixture
def erasure(tenant_a, subject, clock):
    dsr, _ = file(tenant_a.owner, phone=PHONE, notes=SECRETS[4])
    return dsr


def _fresh(dsr):
    return DataSubjectRequest.objects.for_tenant(dsr.tenant_id).get(pk=dsr.pk)


def _pages(dsr):
    return [
        "/platform/requests/",
        "/platform/requests/?tab=closed",
        f"/platform/requests/{dsr.pk}/",
    ]


def test_only_the_dpo_opens_the_request_pages(tenant_a, erasure, dpo_page):
    support = console_client(make_platform_person(("support",)))
    security = console_client(make_platform_person(("security",)))
    for page in _pages(erasure):
        assert dpo_page.get(page).status_code == 200, page
        assert support.get(page).status_code == 404, page
        assert security.get(page).status_code == 404, page
        for role in Role.values:
            assert verified_client(tenant_a.members[role].user).get(page).status_code == 404
    for action in ("start", "pause", "resume", "reject"):
        path = f"/platform/requests/{erasure.pk}/{action}"
        assert support.post(path, {"reason": "x"}).status_code == 404
        assert verified_client(tenant_a.owner.user).post(path, {"reason": "x"}).status_code == 404
        assert dpo_page.get(path).status_code == 405
    assert _fresh(erasure).state == State.RECEIVED
    assert (
        dpo_page.get("/platform/requests/00000000-0000-0000-0000-000000000000/").status_code == 404
    )


def test_the_nav_shows_requests_to_the_dpo_only(dpo_page):
    assert 'href="/platform/requests/"' in dpo_page.get("/platform/").content.decode()
    support = console_client(make_platform_person(("support",)))
    assert 'href="/platform/requests/"' not in support.get("/platform/").content.decode()


def test_the_dpo_sees_counts_and_never_content_or_identifiers(erasure, dpo_page):
    for page in _pages(erasure):
        body = dpo_page.get(page).content.decode()
        assert [s for s in SECRETS if s in body] == [], page
    body = dpo_page.get(f"/platform/requests/{erasure.pk}/").content.decode()
    assert 'data-count="contacts">1<' in body
    assert 'data-count="conversations">1<' in body
    assert 'data-count="messages">2<' in body
    assert 'data-count="notes">0<' in body
    assert "Alpha Shoes" in body and 'id="start"' in body


def _row_order(body: str) -> list[str]:
    return [part.split('"')[0] for part in body.split('<tr data-dsr="')[1:]]


def test_the_queue_sorts_by_due_time_paused_last_and_marks_the_overdue(
    tenant_a, tenant_b, dpo, dpo_page, clock
):
    contact_with(tenant_a, phone=PHONE)
    contact_with(tenant_b, phone="+33700000001")
    later, _ = file(tenant_b.owner, request_type="access", phone="+33700000001")
    clock.shift(dt.timedelta(hours=-1))
    sooner, _ = file(tenant_a.owner, phone=PHONE)
    clock.shift(dt.timedelta(hours=2))
    nobody, _ = file(tenant_a.owner, request_type="access", phone="+33799999999")  # paused
    done, _ = file(tenant_a.owner, request_type="rectification", phone=PHONE,
                   corrections={"name": "Zed"})  # fmt: skip
    services.dsr_reject(staff=dpo, dsr=done, reason="Not ours to correct.")
    assert _fresh(nobody).paused

    # Thursday 09:30 UTC: `sooner` (due 08:00) is overdue, `later` (due 09:00) too.
    clock.move_to(dt.datetime(2026, 3, 5, 8, 30, tzinfo=dt.UTC))
    body = dpo_page.get("/platform/requests/").content.decode()
    assert _row_order(body) == [str(sooner.pk), str(later.pk), str(nobody.pk)]
    assert f'data-dsr="{sooner.pk}" data-state="received" class="overdue" data-overdue' in body
    assert f'data-dsr="{later.pk}" data-state="received">' in body  # 30 minutes left
    assert f'data-dsr="{nobody.pk}" data-state="received" data-paused>' in body
    assert "Overdue by 0 h 30 min" in body and "Beta Repairs" in body

    closed = dpo_page.get("/platform/requests/?tab=closed").content.decode()
    assert _row_order(closed) == [str(done.pk)]
    by_type = dpo_page.get("/platform/requests/?type=access").content.decode()
    assert _row_order(by_type) == [str(later.pk), str(nobody.pk)]
    by_tenant = dpo_page.get(f"/platform/requests/?tenant={tenant_b.tenant.slug}")
    assert _row_order(by_tenant.content.decode()) == [str(later.pk)]
    by_state = dpo_page.get("/platform/requests/?state=in_progress").content.decode()
    assert _row_order(by_state) == []

    home = dpo_page.get("/platform/").content.decode()
    assert (
        'data-count="dsr-open">3<' in home and 'data-count="dsr-overdue" class="overdue">1<' in home
    )


def test_the_dpo_starts_the_work_and_it_completes(
    tenant_a, erasure, dpo_page, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = dpo_page.post(f"/platform/requests/{erasure.pk}/start")
    assert (
        response.status_code == 302 and response["Location"] == f"/platform/requests/{erasure.pk}/"
    )
    dsr = _fresh(erasure)
    assert dsr.state == State.COMPLETED and dsr.progress == 100
    started = AuditEvent.objects.get(action="privacy.request_started")
    assert started.actor_kind == "platform_staff" and started.target_id == str(erasure.pk)
    page = dpo_page.get(response["Location"]).content.decode()
    assert 'data-state="completed"' in page and 'data-kind="started"' in page
    assert 'id="actions"' not in page
    assert (
        Notice.objects.for_tenant(tenant_a.tenant).filter(kind="privacy_request.completed").exists()
    )
    # Starting twice is refused with the reason, nothing changes.
    again = dpo_page.post(f"/platform/requests/{erasure.pk}/start")
    assert again.status_code == 409
    assert "Only a received request can be started." in again.content.decode()


def test_pause_resume_and_reject_through_the_pages(tenant_a, erasure, dpo_page, clock):
    base = f"/platform/requests/{erasure.pk}"
    empty = dpo_page.post(f"{base}/pause", {"reason": "  "})
    assert empty.status_code == 400
    assert "Give the reason the workspace will read." in empty.content.decode()
    assert not _fresh(erasure).paused

    assert (
        dpo_page.post(f"{base}/pause", {"reason": "Which shop did they write to?"}).status_code
        == 302
    )
    assert _fresh(erasure).paused and _fresh(erasure).due_at is None
    page = dpo_page.get(f"{base}/").content.decode()
    assert "Which shop did they write to?" in page and 'id="resume-form"' in page
    assert 'id="start"' not in page
    tenant_page = verified_client(tenant_a.owner.user).get(f"/settings/privacy/{erasure.pk}/")
    assert "Which shop did they write to?" in tenant_page.content.decode()

    clock.shift(dt.timedelta(minutes=5))
    resumed = dpo_page.post(f"{base}/resume", {"reason": ""})
    assert resumed.status_code == 302 and resumed["Location"] == f"{base}/"
    assert not _fresh(erasure).paused and _fresh(erasure).due_at is not None

    assert dpo_page.post(f"{base}/reject", {"reason": ""}).status_code == 400
    assert (
        dpo_page.post(
            f"{base}/reject", {"reason": "The person is a former employee: ask HR."}
        ).status_code
        == 302
    )
    dsr = _fresh(erasure)
    assert dsr.state == State.REJECTED and dsr.rejection_reason.startswith("The person is")
    assert AuditEvent.objects.filter(action="privacy.request_rejected").count() == 1
    tenant_page = verified_client(tenant_a.owner.user).get(f"/settings/privacy/{erasure.pk}/")
    assert "The person is a former employee: ask HR." in tenant_page.content.decode()
    assert dpo_page.post(f"{base}/pause", {"reason": "late"}).status_code == 409


def test_a_legal_hold_pauses_the_erasure_and_its_reason_shows(
    tenant_a, subject, erasure, dpo_page, django_capture_on_commit_callbacks
):
    legal_hold_set(membership=tenant_a.owner, contact=subject, reason="Tax audit until June")
    with django_capture_on_commit_callbacks(execute=True):
        dpo_page.post(f"/platform/requests/{erasure.pk}/start")
    dsr = _fresh(erasure)
    assert dsr.state == State.IN_PROGRESS and dsr.paused
    page = dpo_page.get(f"/platform/requests/{erasure.pk}/").content.decode()
    assert 'id="legal-hold"' in page and "Tax audit until June" in page
    assert "data-paused" in dpo_page.get("/platform/requests/").content.decode()
    assert not mail.outbox  # nothing told to the tenant by email: it is not closed


def test_the_dpo_walks_every_console_route_and_reads_no_content(erasure, dpo):
    """Every console route (read from the resolver), the request's id where a
    route takes one: the DPO's role opens counts, never the subject's data."""
    import uuid

    from tests.isolation.walker import web_pages

    walked = []
    for page in web_pages(namespaces=("platform",)):
        ids = {p: str(erasure.pk) if p == "dsr_id" else str(uuid.uuid4()) for p in page.params}
        if any(p not in ("dsr_id",) and not p.endswith("_id") for p in page.params):
            continue  # sign-in and enrolment tokens
        response = console_client(dpo).get(page.path(ids))
        walked.append(page.route)
        assert response.status_code < 500, page.route
        body = response.content.decode(errors="replace")
        assert [s for s in SECRETS if s in body] == [], page.route
    assert "platform/requests/<uuid:dsr_id>/" in walked


def test_the_console_speaks_french(erasure, dpo):
    dpo.user.language = "fr"
    dpo.user.save(update_fields=["language"])
    page = console_client(dpo).get(f"/platform/requests/{erasure.pk}/").content.decode()
    assert "Commencer le traitement" in page and "Rejeter" in page
    assert ">Demandes</a>" in page
