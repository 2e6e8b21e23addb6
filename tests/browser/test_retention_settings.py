"""Retention in the workspace's settings, the issue's acceptance: the owner opens
Settings → Retention and sees what the next run would delete among the shop's
old conversations; shortens retention, is shown what that would delete, confirms,
and sees the new value; once the daily run has happened, the page shows it."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from privacy.retention.run import retention_apply
from privacy.retention.selectors import retention_policy_for
from privacy.retention.tests.settings_support import old_conversations
from tests.browser.support import browser_test, no_problems, sign_in

pytestmark = browser_test


def kind(page, section: str, code: str):
    return page.locator(f"#{section} tr[data-kind='{code}'] td").nth(1)


def test_the_owner_shortens_retention_after_seeing_what_it_deletes(demo, new_page, shot, settings):
    settings.RETENTION_INACTIVE_DAYS_DEFAULT = 730
    settings.RETENTION_MIN_DAYS, settings.RETENTION_MAX_DAYS = 30, 3650
    now = timezone.now()
    old_conversations(demo, 800, 3, now=now)  # past the default 730 days
    old_conversations(demo, 200, 2, now=now)  # past 180 days only

    owner = new_page()
    sign_in(owner, demo, "owner")
    owner.goto(demo.url + "/settings/")
    owner.locator(".subnav").get_by_role("link", name="Retention").click()
    expect(owner).to_have_url(re.compile(r"/settings/retention/$"))
    expect(owner.locator("#retention-current")).to_contain_text("730 days")
    expect(owner.locator("#retention-bounds")).to_contain_text("between 30 and 3650 days")
    expect(kind(owner, "retention-preview", "conversations")).to_have_text("3")
    expect(kind(owner, "retention-preview", "messages")).to_have_text("6")
    expect(kind(owner, "retention-last-run", "conversations")).to_have_count(0)
    shot(owner, "01-retention")

    # Shorter: the page shows what it would delete before saving anything.
    owner.fill("#retention-inactive", "180")
    with owner.expect_navigation():
        owner.locator("#retention-form").get_by_role("button", name="Save").click()
    confirm = owner.locator("#retention-confirm")
    expect(confirm).to_contain_text("Saving will delete 5 conversations at the next run.")
    expect(kind(owner, "retention-proposed", "contacts")).to_have_text("5")
    assert retention_policy_for(demo.tenant)._state.adding  # nothing saved yet
    shot(owner, "02-confirm")
    with owner.expect_navigation():
        confirm.get_by_role("button", name="Confirm and save").click()
    expect(owner.locator(".messages")).to_contain_text("Retention saved.")
    expect(owner.locator("#retention-current")).to_contain_text("180 days")
    expect(owner.locator("#retention-inactive")).to_have_value("180")
    expect(kind(owner, "retention-preview", "conversations")).to_have_text("5")
    assert retention_policy_for(demo.tenant).inactive_days == 180

    # The daily run happens; the page shows it.
    counts = retention_apply(demo.tenant)
    assert counts["conversations"] == 5
    owner.reload()
    expect(kind(owner, "retention-last-run", "conversations")).to_have_text("5")
    expect(kind(owner, "retention-last-run", "messages")).to_have_text("10")
    expect(kind(owner, "retention-preview", "conversations")).to_have_text("0")
    shot(owner, "03-last-run")
    no_problems(owner)
