"""The DPO's console pages of policy versions: only the DPO opens them (other
platform roles, tenant members and strangers get the console's 404 or its
sign-in), a draft is written, corrected, previewed and published after a
confirmation step, refusals are shown beside their field, and a published
version offers no way to change it."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client

from platform_staff.tests.console_helpers import console_client, make_platform_person
from privacy.policies.models import PolicyVersion
from privacy.policies.tests.conftest import MONDAY
from privacy.policies.tests.helpers import TEXTS, draft, published
from tenants.models import Notice, Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db


def _form(**changes) -> dict:
    return {
        "version": "2026-04",
        "effective_at": "2026-03-09T00:00",
        **TEXTS,
        "summary_en": "",
        "summary_fr": "",
        "service_message_en": "",
        "service_message_fr": "",
        **changes,
    }


def _pages(version) -> list[str]:
    return [
        "/platform/policies/",
        "/platform/policies/new/",
        f"/platform/policies/{version.pk}/",
        f"/platform/policies/{version.pk}/edit/",
        f"/platform/policies/{version.pk}/publish/",
    ]


def test_only_the_dpo_opens_the_pages(tenant_a, dpo, dpo_page, clock):
    version = draft(dpo, "2026-04", MONDAY + dt.timedelta(days=7))
    others = [
        console_client(make_platform_person(("support",))),
        console_client(make_platform_person(("security",))),
        verified_client(tenant_a.owner.user),
        verified_client(tenant_a.members[Role.PRIVACY].user),
    ]
    for path in _pages(version):
        assert dpo_page.get(path).status_code == 200, path
        for other in others:
            assert other.get(path).status_code == 404, path
            assert other.post(path, _form()).status_code in (404, 405), path
        stranger = Client().get(path)
        assert stranger.status_code == 302 and "/platform/login/" in stranger["Location"]
    assert PolicyVersion.objects.count() == 1
    assert PolicyVersion.objects.get().published_at is None


def test_the_dpo_writes_corrects_previews_and_publishes(
    tenant_a, dpo, dpo_page, clock, django_capture_on_commit_callbacks
):
    created = dpo_page.post("/platform/policies/new/", _form(text_en="Version <b>one</b>."))
    version = PolicyVersion.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/platform/policies/{version.pk}/"
    # Read in the platform's time zone: midnight in Paris is 23:00 UTC the day before.
    assert version.effective_at == dt.datetime(2026, 3, 8, 23, 0, tzinfo=dt.UTC)
    listed = dpo_page.get("/platform/policies/").content.decode()
    assert 'data-version="2026-04"' in listed and 'data-state="draft"' in listed
    assert "No version is in force yet." in listed

    edit = dpo_page.get(f"/platform/policies/{version.pk}/edit/").content.decode()
    assert 'value="2026-03-09T00:00"' in edit
    dpo_page.post(f"/platform/policies/{version.pk}/edit/", _form(text_en="Version one."))
    preview = dpo_page.get(f"/platform/policies/{version.pk}/").content.decode()
    assert "<p>Version one.</p>" in preview and TEXTS["text_fr"] in preview
    assert f'href="/platform/policies/{version.pk}/publish/"' in preview

    confirm = dpo_page.get(f"/platform/policies/{version.pk}/publish/").content.decode()
    assert "Publish version 2026-04?" in confirm
    assert "The owners and privacy officers of 1 workspace are told" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        done = dpo_page.post(f"/platform/policies/{version.pk}/publish/")
    assert done.status_code == 302
    version.refresh_from_db()
    assert version.published_at == MONDAY
    assert len(mail.outbox) == 2  # tenant A's owner and privacy officer
    assert Notice.objects.filter(kind="policy_version.published").count() == 1

    page = dpo_page.get(f"/platform/policies/{version.pk}/").content.decode()
    assert 'data-state="scheduled"' in page
    assert "/edit/" not in page and "/publish/" not in page
    refused = dpo_page.post(f"/platform/policies/{version.pk}/edit/", _form(text_en="Rewritten."))
    assert refused.status_code == 302
    version.refresh_from_db()
    assert version.text_en == "Version one."
    clock.move_to(dt.datetime(2026, 3, 9, 0, 0, tzinfo=dt.UTC))
    later = console_client(dpo).get("/platform/policies/").content.decode()
    assert 'data-state="in_force"' in later and "In force now: version 2026-04." in later


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"version": "2026 04"}, "version", "letters, digits"),
        ({"effective_at": "2026-03-01T00:00"}, "effective_at", "cannot be in the past"),
        ({"text_fr": ""}, "text_fr", "This field is required."),
        ({"summary_en": "Only English"}, "summary_fr", "in both languages, or in neither"),
    ],
)
def test_refusals_are_shown_beside_their_field(dpo_page, clock, changes, field, words):
    response = dpo_page.post("/platform/policies/new/", _form(**changes))
    assert response.status_code == 400
    page = response.content.decode()
    start = page.index(f'data-error="{field}"')
    assert words in page[start : start + 300]
    assert not PolicyVersion.objects.exists()


def test_a_label_taken_and_a_date_passed_are_refused_in_french(dpo, clock):
    dpo.user.language = "fr"
    dpo.user.save(update_fields=["language"])
    page = console_client(dpo)
    published(dpo, "2026-04", MONDAY + dt.timedelta(days=7), now=MONDAY)
    taken = page.post("/platform/policies/new/", _form(effective_at="2026-03-20T00:00"))
    assert "Une version porte déjà ce libellé" in taken.content.decode()
    late = draft(dpo, "2026-05", MONDAY + dt.timedelta(days=8), now=MONDAY)
    clock.move_to(MONDAY + dt.timedelta(days=9))
    page = console_client(dpo)  # the earlier session went idle meanwhile
    refused = page.post(f"/platform/policies/{late.pk}/publish/")
    assert refused.status_code == 400
    assert "ne peut pas être dans le passé" in refused.content.decode()
    late.refresh_from_db()
    assert late.published_at is None
