"""The sweeper's rules for emails and announcements owed (instaply/sweeper_owed.py).

As in test_sweeper.py: rows are stored by the application's services inside the
test's transaction, whose after-commit publishes never run (as if the broker
lost them); the sweep alone must find the work, and tasks run eagerly.
"""

import datetime as dt

import pytest
from django.utils import timezone

from instaply.sweeper import sweep
from instaply.sweeper_owed import RULES

pytestmark = pytest.mark.django_db


def _later(settings, seconds=1):
    return timezone.now() + dt.timedelta(seconds=settings.SWEEP_GRACE_SECONDS + seconds)


@pytest.mark.parametrize("name, waiting", [(name, waiting) for name, waiting, _ in RULES])
def test_each_rule_finds_nothing_owed_in_an_empty_platform(name, waiting, tenant_a):
    now = timezone.now()
    assert list(waiting(now, now)) == []


def test_a_breach_notice_sent_but_never_emailed_is_emailed_once(tenant_a, settings, mailoutbox):
    from breaches.services.notices import notice_send
    from breaches.tests.factories import declared
    from platform_staff.tests.disclosure_helpers import platform_person

    _, (notice,) = declared(aware_at=timezone.now(), tenants=[tenant_a.tenant])
    notice_send(notice=notice, staff=platform_person("security"), now=timezone.now())
    assert mailoutbox == [] and sweep()["breach_notice_emails"] == 0  # within the grace
    assert sweep(now=_later(settings))["breach_notice_emails"] == 1
    notice.refresh_from_db()
    assert notice.emailed_at is not None and len(mailoutbox) == 2  # owner, privacy member
    assert sweep(now=_later(settings))["breach_notice_emails"] == 0


def test_a_sub_processor_change_is_emailed_to_every_tenant_once(
    tenant_a, tenant_b, settings, mailoutbox
):
    from compliance.tests.subprocessor_helpers import announce, dpo_person
    from tenants.models import Tenant

    # The root conftest's TenantWorld, through its fixture: `from conftest import`
    # may find another conftest (tests/faults) first under xdist.
    tenant_c = type(tenant_a)("Gamma Bikes")
    change = announce(dpo_person(), now=timezone.now())
    # A tenant that signed up after the announcement is owed nothing.
    Tenant.objects.filter(pk=tenant_c.tenant.pk).update(
        created_at=change.announced_at + dt.timedelta(seconds=1)
    )
    counts = sweep(now=_later(settings))
    assert counts["subprocessor_change_emails"] == 2  # one task per tenant told
    assert len(mailoutbox) == 4  # the owner and the privacy member of each
    owners = {world.owner.user.email for world in (tenant_a, tenant_b)}
    assert owners <= {m.to[0] for m in mailoutbox}
    assert tenant_c.owner.user.email not in {m.to[0] for m in mailoutbox}
    assert sweep(now=_later(settings))["subprocessor_change_emails"] == 0


def test_an_objection_whose_email_to_the_dpo_was_lost_is_sent(tenant_a, settings, mailoutbox):
    from compliance.subprocessors.services import objection_raise
    from compliance.tests.subprocessor_helpers import announce, dpo_person
    from tenants.models import Role

    settings.PROCESSOR_DPO_EMAIL = "dpo@instaply.test"
    change = announce(dpo_person(), now=timezone.now())
    objection_raise(
        membership=tenant_a.members[Role.PRIVACY],
        change=change,
        reason="We promised EU-only SMS.",
        now=timezone.now(),
    )
    counts = sweep(now=_later(settings))
    assert counts["subprocessor_objection_emails"] == 1
    assert [m.to for m in mailoutbox].count(["dpo@instaply.test"]) == 1
    assert sweep(now=_later(settings))["subprocessor_objection_emails"] == 0
