"""The outcome on a privacy request's settings page: the access package's link
(size, expiry, "expired" after 7 days), the erasure receipt store by store, the
rejection's reason; and the notices that tell the workspace, in its language."""

import datetime as dt
import re

import pytest
import time_machine

from conversations.tests.factories import MessageFactory
from platform_staff.tests.console_helpers import make_platform_person
from privacy.dsr import services
from privacy.dsr.tests.helpers import contact_with, file
from tenants.models import Role

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PHONE = "+33612345678"


@pytest.fixture(autouse=True)
def package_storage(settings, tmp_path):
    settings.PRIVACY_PACKAGE_DIR = tmp_path / "packages"


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def dpo(db):
    return make_platform_person(("dpo",))


@pytest.fixture
def subject(tenant_a):
    contact = contact_with(tenant_a, phone=PHONE)
    MessageFactory(
        conversation__tenant=tenant_a.tenant,
        conversation__shop=tenant_a.shop,
        conversation__contact=contact,
        body="Where is my parcel?",
    )
    return contact


def _worked(tenant_a, dpo, request_type, capture):
    dsr, _ = file(tenant_a.owner, request_type=request_type, phone=PHONE)
    with capture(execute=True):
        services.dsr_start(staff=dpo, dsr=dsr)
    return dsr


def test_an_access_request_shows_its_package_then_expired_after_7_days(
    tenant_a, subject, dpo, clock, page_as, django_capture_on_commit_callbacks
):
    dsr = _worked(tenant_a, dpo, "access", django_capture_on_commit_callbacks)
    page = page_as(Role.PRIVACY).get(f"/settings/privacy/{dsr.pk}/").content.decode()
    assert f'href="/settings/privacy/{dsr.pk}/package"' in page
    assert 'data-package="ready"' in page and "downloadable until 2026-03-09 09:00 UTC" in page
    # The size, as filesizeformat writes it ("4.3\xa0KB"): whatever the package holds.
    assert re.search(r"\d+(\.\d)?\xa0(KB|bytes) ·", page)
    clock.shift(dt.timedelta(days=7))
    page = page_as(Role.PRIVACY).get(f"/settings/privacy/{dsr.pk}/").content.decode()
    assert 'data-package="expired"' in page and "This package expired on 2026-03-09" in page
    assert f'href="/settings/privacy/{dsr.pk}/package"' not in page


def test_an_erasure_shows_its_receipt_store_by_store(
    tenant_a, subject, dpo, clock, page_as, settings, django_capture_on_commit_callbacks
):
    dsr = _worked(tenant_a, dpo, "erasure", django_capture_on_commit_callbacks)
    page = page_as(Role.OWNER).get(f"/settings/privacy/{dsr.pk}/").content.decode()
    receipt = page[page.index('id="receipt"') :]
    assert "The person's data was erased on 2026-03-02 09:00 UTC" in receipt
    database = receipt[receipt.index('data-store="database"') : receipt.index("</table>")]
    assert '<th scope="row">Messages</th><td>1</td>' in database
    assert '<th scope="row">Conversations</th><td>1</td>' in database
    assert '<th scope="row">Contacts</th><td>1</td>' in database
    assert "1 data key destroyed" in receipt
    assert 'data-store="caches"' in receipt and 'data-store="files"' in receipt
    # No extract ran here: the reporting database held no fact of the person.
    assert "0 statistical records of the person's conversations" in receipt
    # Each retention, then the daily prune that deletes the last set.
    expires = (MONDAY + dt.timedelta(days=settings.BACKUP_RETENTION_DAYS + 1)).date().isoformat()
    assert f"The last of them expires by {expires}." in receipt
    keys_gone = MONDAY + dt.timedelta(days=settings.KEY_BACKUP_RETENTION_DAYS + 1)
    assert f"after {keys_gone.date().isoformat()}, no backup holds a key" in receipt
    assert PHONE not in page and "Where is my parcel?" not in page


# The notices tests run on the real clock: a notice older than the member is not theirs.
def test_a_rejection_shows_its_reason_and_the_notices_are_worded(tenant_a, subject, dpo, page_as):
    dsr, _ = file(tenant_a.owner, request_type="erasure", phone=PHONE)
    services.dsr_reject(staff=dpo, dsr=dsr, reason="A court order requires keeping this data.")
    privacy = page_as(Role.PRIVACY)
    page = privacy.get(f"/settings/privacy/{dsr.pk}/").content.decode()
    assert 'id="rejection"' in page and "A court order requires keeping this data." in page
    notices = privacy.get("/notices/").content.decode()
    assert "A privacy request was rejected" in notices
    assert "The platform rejected your privacy request (Erasure)." in notices
    assert f'href="/settings/privacy/{dsr.pk}/"' in notices


def test_a_completion_notice_is_worded_in_french(
    tenant_a, subject, dpo, page_as, django_capture_on_commit_callbacks
):
    _worked(tenant_a, dpo, "erasure", django_capture_on_commit_callbacks)
    notices = page_as(Role.PRIVACY).get("/notices/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Une demande de confidentialité a été traitée" in notices
    assert "(Effacement)" in notices


def test_the_receipt_in_french(
    tenant_a, subject, dpo, clock, page_as, django_capture_on_commit_callbacks
):
    dsr = _worked(tenant_a, dpo, "erasure", django_capture_on_commit_callbacks)
    page = page_as(Role.OWNER).get(f"/settings/privacy/{dsr.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    receipt = page.content.decode()
    assert "Reçu d'effacement" in receipt or "Reçu d&#x27;effacement" in receipt
    assert "Sauvegardes" in receipt and "Lignes de la base de données" in receipt
    assert '<th scope="row">Messages</th><td>1</td>' in receipt
    assert "Base de reporting" in receipt and "0 enregistrement statistique" in receipt
