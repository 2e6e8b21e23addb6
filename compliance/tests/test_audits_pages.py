"""Settings → Audits for the workspace's owners, the package download (owners
only; another workspace's request is a 404), and the DPO's console pages."""

import datetime as dt

import pytest

from audit import actions
from audit.models import AuditEvent
from compliance.models import AuditRequest
from compliance.tests import audits_helpers
from compliance.tests.audits_helpers import accepted, days, filed
from platform_staff.tests.console_helpers import console_client, make_platform_person
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db
# The helpers' fixtures, in this module's namespace for pytest to find.
clock, dpo, package_dir = audits_helpers.clock, audits_helpers.dpo, audits_helpers.package_dir

PAGE = "/settings/audits/"


@pytest.fixture
def ready(clock, tenant_a, dpo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        audit = accepted(tenant_a, dpo)
    audit.refresh_from_db()
    assert audit.package_state == AuditRequest.Package.READY
    return audit


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.OWNER, 200), (Role.ADMIN, 403), (Role.PRIVACY, 403), (Role.AGENT, 403)],
)
def test_only_owners_open_the_page(clock, tenant_a, role, status):
    client = verified_client(tenant_a.members[role].user)
    assert client.get(PAGE).status_code == status
    assert (f'href="{PAGE}"' in client.get("/settings/tokens/").content.decode()) is (status == 200)


def test_the_page_explains_why_there_is_no_visit(clock, tenant_a):
    page = verified_client(tenant_a.owner.user).get(PAGE).content.decode()
    assert "Instaply does not accept on-site visits." in page
    assert "would expose other customers' data" in page
    assert 'min="2026-04-02"' in page  # 30 days after 3 March in Paris
    user = tenant_a.owner.user
    user.language = "fr"
    user.save(update_fields=["language"])
    french = verified_client(user).get(PAGE).content.decode()
    assert "Instaply n'accepte pas de visite sur site." in french


def test_an_owner_files_a_request(clock, tenant_a):
    client = verified_client(tenant_a.owner.user)
    response = client.post(PAGE, {"proposed_date": "2026-05-12", "scope_note": "Access logs"})
    assert response.status_code == 302
    audit = AuditRequest.objects.for_tenant(tenant_a.tenant).get()
    assert audit.proposed_date == dt.date(2026, 5, 12) and audit.scope_note == "Access logs"
    page = client.get(PAGE).content.decode()
    assert f'data-audit="{audit.pk}" data-state="proposed"' in page
    assert "Waiting for the platform" in page


def test_a_refused_date_is_a_form_error_and_writes_nothing(clock, tenant_a):
    client = verified_client(tenant_a.owner.user)
    response = client.post(PAGE, {"proposed_date": "2026-03-20", "scope_note": ""})
    assert response.status_code == 400
    assert "at least 30 days&#x27; notice" in response.content.decode()
    assert not AuditRequest.objects.for_tenant(tenant_a.tenant).exists()
    assert client.post(PAGE, {"proposed_date": "soon"}).status_code == 400


def test_the_owner_accepts_a_counter_proposal_and_cancels(clock, tenant_a, dpo):
    from compliance.audits.services import audit_request_counter_propose

    audit = filed(tenant_a, days(40))
    audit_request_counter_propose(
        staff=dpo, request=audit, date=days(60), note="Busy week", now=audits_helpers.NOW
    )
    client = verified_client(tenant_a.owner.user)
    page = client.get(PAGE).content.decode()
    assert "Busy week" in page and "Accept 2026-05-02" in page
    assert client.post(f"{PAGE}{audit.pk}/accept").status_code == 302
    audit.refresh_from_db()
    assert audit.state == AuditRequest.State.ACCEPTED and audit.agreed_date == days(60)
    assert client.post(f"{PAGE}{audit.pk}/cancel").status_code == 302
    audit.refresh_from_db()
    assert audit.state == AuditRequest.State.CANCELLED


def test_another_workspaces_request_is_a_404(clock, tenant_a, tenant_b, ready):
    client = verified_client(tenant_b.owner.user)
    for path in ("package", "accept", "cancel"):
        method = client.get if path == "package" else client.post
        assert method(f"{PAGE}{ready.pk}/{path}").status_code == 404
    ready.refresh_from_db()
    assert ready.state == AuditRequest.State.ACCEPTED


def test_the_owner_downloads_the_package(clock, tenant_a, ready):
    response = verified_client(tenant_a.owner.user).get(f"{PAGE}{ready.pk}/package")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content)[:2] == b"PK"
    (event,) = AuditEvent.objects.for_tenant(tenant_a.tenant).filter(
        action=actions.AUDIT_PACKAGE_EXPORTED
    )
    assert event.actor_member_id == tenant_a.owner.pk
    assert event.target_id == str(ready.pk)
    assert event.metadata["sha256"] == ready.package_sha256


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PRIVACY, Role.AGENT, Role.VIEWER])
def test_nobody_else_downloads_it(clock, tenant_a, ready, role):
    client = verified_client(tenant_a.members[role].user)
    assert client.get(f"{PAGE}{ready.pk}/package").status_code == 403
    assert not AuditEvent.objects.for_tenant(tenant_a.tenant).filter(
        action=actions.AUDIT_PACKAGE_EXPORTED
    )
    assert AuditEvent.objects.for_tenant(tenant_a.tenant).filter(
        action="access.denied", outcome="denied"
    )


def test_platform_staff_do_not_download_it(clock, tenant_a, ready, dpo):
    assert console_client(dpo).get(f"{PAGE}{ready.pk}/package").status_code == 404


def test_a_package_not_ready_or_deleted(clock, tenant_a, dpo):
    audit = filed(tenant_a, days(40))
    client = verified_client(tenant_a.owner.user)
    assert client.get(f"{PAGE}{audit.pk}/package").status_code == 409
    AuditRequest.objects.for_tenant(tenant_a.tenant).filter(pk=audit.pk).update(
        package_state=AuditRequest.Package.EXPIRED
    )
    assert client.get(f"{PAGE}{audit.pk}/package").status_code == 410


class TestConsole:
    def test_the_queue_is_the_dpos(self, clock, tenant_a, dpo):
        audit = filed(tenant_a, days(40))
        page = console_client(dpo).get("/platform/audits/")
        assert page.status_code == 200
        text = page.content.decode()
        assert f'data-audit="{audit.pk}" data-state="proposed" data-package="none"' in text
        assert tenant_a.tenant.slug in text and "2026-04-12" in text
        assert 'href="/platform/audits/"' in text  # the DPO's navigation
        support = make_platform_person(("support", "security"))
        assert console_client(support).get("/platform/audits/").status_code == 404
        assert console_client(support).get(f"/platform/audits/{audit.pk}/").status_code == 404

    def test_the_dpo_accepts(self, clock, tenant_a, dpo, django_capture_on_commit_callbacks):
        audit = filed(tenant_a, days(40), note="Key management")
        client = console_client(dpo)
        page = client.get(f"/platform/audits/{audit.pk}/").content.decode()
        assert "Key management" in page and "Accept 2026-04-12" in page
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/platform/audits/{audit.pk}/accept")
        assert response.status_code == 302
        audit.refresh_from_db()
        assert audit.state == AuditRequest.State.ACCEPTED and audit.decided_by == dpo
        assert audit.package_state == AuditRequest.Package.READY

    def test_the_dpo_proposes_another_date(self, clock, tenant_a, dpo):
        audit = filed(tenant_a, days(40))
        client = console_client(dpo)
        url = f"/platform/audits/{audit.pk}/counter"
        too_soon = client.post(url, {"date": days(10).isoformat(), "note": ""})
        assert too_soon.status_code == 400
        assert "at least 30 days&#x27; notice" in too_soon.content.decode()
        response = client.post(url, {"date": days(70).isoformat(), "note": "Later please"})
        assert response.status_code == 302
        audit.refresh_from_db()
        assert audit.state == AuditRequest.State.COUNTER_PROPOSED
        assert audit.counter_date == days(70) and audit.platform_note == "Later please"

    def test_an_unknown_request_is_a_404(self, clock, dpo):
        client = console_client(dpo)
        assert (
            client.get("/platform/audits/01a23491-9f12-777d-8486-81d26f139eda/").status_code == 404
        )
