"""An audit request, end to end in two browsers.

The demo workspace's owner reads why there is no on-site visit and requests an
audit; the platform's DPO finds it in the console and proposes another date
with a note; the owner finds the notice, accepts that date; the evidence
package is prepared (the task runs in-process) and the owner downloads it.
"""

import datetime as dt
import re
import zipfile

from django.utils import timezone
from playwright.sync_api import expect

from audit import actions
from audit.models import AuditEvent
from compliance.audits.rules import earliest_date
from compliance.models import AuditRequest
from platform_staff.demo import demo_platform_staff_ensure
from tests.browser.support import browser_test, console_sign_in, no_problems, sign_in

pytestmark = browser_test


def test_an_owner_requests_an_audit_and_downloads_its_package(
    demo, new_page, shot, settings, tmp_path
):
    settings.COMPLIANCE_PACKAGE_DIR = tmp_path / "compliance"
    dpo = demo_platform_staff_ensure()["dpo"]
    earliest = earliest_date(timezone.now())
    proposed, counter = earliest + dt.timedelta(days=5), earliest + dt.timedelta(days=20)

    # The owner reads the policy and files the request.
    owner = new_page()
    sign_in(owner, demo, "owner")
    owner.goto(demo.url + "/settings/tokens/")
    owner.locator(".subnav").get_by_role("link", name="Audits").click()
    expect(owner).to_have_url(re.compile(r"/settings/audits/$"))
    expect(owner.locator("#no-site-visit")).to_contain_text(
        "Instaply does not accept on-site visits."
    )
    owner.fill("#audit-date", proposed.isoformat())
    owner.fill("#audit-note", "Access controls and key management")
    with owner.expect_navigation():
        owner.get_by_role("button", name="Request the audit").click()
    row = owner.locator("#audit-requests tr[data-audit]")
    expect(row).to_have_attribute("data-state", "proposed")
    expect(row).to_contain_text("Waiting for the platform")
    shot(owner, "01-requested")
    audit = AuditRequest.objects.for_tenant(demo.tenant).get()

    # The DPO proposes another date with a note.
    console = new_page()
    console_sign_in(console, demo, dpo)
    console.locator(".subnav").get_by_role("link", name="Audit requests").click()
    queued = console.locator(f"#audit-queue tr[data-audit='{audit.pk}']")
    expect(queued).to_contain_text(demo.tenant.slug)
    expect(queued).to_contain_text(proposed.isoformat())
    queued.get_by_role("link", name=demo.tenant.name).click()
    expect(console.locator("#facts")).to_contain_text("Access controls and key management")
    console.fill("#counter-date-input", counter.isoformat())
    console.fill("#counter-note", "Our auditors are away that week.")
    with console.expect_navigation():
        console.locator("#counter").click()
    expect(console.locator("#state")).to_contain_text("Another date proposed")
    expect(console.locator("#counter-date")).to_have_text(counter.isoformat())
    shot(console, "02-counter-proposed")
    no_problems(console)

    # The owner is told, and accepts the platform's date.
    owner.goto(demo.url + "/notices/")
    expect(owner.locator("#notices")).to_contain_text("Another date proposed for your audit")
    owner.goto(demo.url + "/settings/audits/")
    expect(row.locator(".platform-note")).to_contain_text("Our auditors are away that week.")
    with owner.expect_navigation():
        row.get_by_role("button", name=f"Accept {counter.isoformat()}").click()
    expect(row).to_have_attribute("data-state", "accepted")
    expect(row).to_have_attribute("data-package", "ready")  # the task ran in-process
    expect(row).to_contain_text(f"Agreed: {counter.isoformat()}")
    shot(owner, "03-package-ready")

    # The owner downloads the evidence package.
    with owner.expect_download() as download:
        row.locator(".audit-download").click()
    path = tmp_path / "package.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        assert "manifest.json" in archive.namelist()
        assert "audit_chain_verification.json" in archive.namelist()
    assert (
        AuditEvent.objects.for_tenant(demo.tenant)
        .filter(action=actions.AUDIT_PACKAGE_EXPORTED, target_id=str(audit.pk))
        .exists()
    )
    no_problems(owner)
