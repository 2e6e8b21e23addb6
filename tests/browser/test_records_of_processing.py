"""Records of processing, the issue's acceptance: a privacy member opens Settings →
Records of processing, reads it in French, opens the printable page; an admin
lengthens retention; the privacy member sees a new version in the history."""

import re

from playwright.sync_api import expect

from compliance.records.snapshot import records_refresh
from compliance.selectors import latest_record_snapshot
from tests.browser.support import browser_test, no_problems, sign_in

pytestmark = browser_test


def test_a_privacy_member_reads_prints_and_sees_the_history_grow(demo, new_page, shot):
    from django.utils import timezone

    records_refresh(demo.tenant.pk, now=timezone.now())
    before = latest_record_snapshot(demo.tenant).version

    privacy = new_page()
    sign_in(privacy, demo, "privacy")
    privacy.goto(demo.url + "/settings/")
    privacy.locator(".subnav").get_by_role("link", name="Records of processing").click()
    expect(privacy).to_have_url(re.compile(r"/settings/records/$"))
    expect(privacy.locator("#record")).to_have_attribute("data-version", str(before))
    expect(privacy.locator("#record-security")).to_contain_text("AES-256-GCM")
    expect(privacy.locator("#record-processing")).to_contain_text("Text messages (SMS)")
    shot(privacy, "01-records")

    privacy.locator("#record-languages").get_by_role("link", name="Français").click()
    expect(privacy.locator("h1")).to_have_text("Registre des traitements")
    expect(privacy.locator("#record-security h2")).to_have_text("Mesures de sécurité")
    shot(privacy, "02-french")

    with privacy.expect_popup() as opened:
        privacy.locator("#record-print").click()
    printable = opened.value
    printable.wait_for_load_state()
    expect(printable.locator("html")).to_have_attribute("lang", "fr")
    expect(printable.locator("h1")).to_have_text("Registre des traitements")
    expect(printable.locator(".subnav, .mainnav, .topbar")).to_have_count(0)
    shot(printable, "03-printable")

    # An admin keeps conversations longer (no confirmation needed for a longer one).
    admin = new_page()
    sign_in(admin, demo, "admin")
    admin.goto(demo.url + "/settings/retention/")
    admin.fill("#retention-inactive", "1000")
    with admin.expect_navigation():
        admin.locator("#retention-form").get_by_role("button", name="Save").click()
    expect(admin.locator(".messages")).to_contain_text("Retention saved.")

    privacy.reload()
    after = str(before + 1)
    expect(privacy.locator("#record")).to_have_attribute("data-version", after)
    expect(privacy.locator("#record-retention-days")).to_contain_text("1000")
    row = privacy.locator(f"#records-history tr[data-version='{after}']")
    expect(row).to_contain_text("Conservation")  # what changed, in French
    expect(privacy.locator(f"#records-history tr[data-version='{before}']")).to_have_count(1)
    shot(privacy, "04-history")
    no_problems(privacy)
    no_problems(admin)
