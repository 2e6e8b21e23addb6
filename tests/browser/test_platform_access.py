"""Customer-approved access, end to end in two browsers.

A support person asks for one conversation; the workspace's admin approves it
narrowed to one hour; support reads that conversation and is refused another;
the admin revokes; support's very next click is refused; the workspace's access
record lists the reads (who, role, country, transfer).
"""

import datetime as dt
import re

from playwright.sync_api import expect

from audit.models import AuditEvent
from platform_staff.demo import demo_platform_staff_ensure
from platform_staff.models import AccessGrant
from tests.browser.factories import widget_conversation
from tests.browser.support import browser_test, console_sign_in, no_problems, sign_in

pytestmark = browser_test


def test_support_reads_only_what_the_admin_approved_until_it_is_revoked(demo, new_page, shot):
    wanted = widget_conversation(demo, name="Lucie Martin", body="My parcel never came")
    other = widget_conversation(demo, name="Paul Other", body="Private matter")
    support_person = demo_platform_staff_ensure()["support"]

    # Support asks for the one conversation, for four hours.
    support = new_page()
    console_sign_in(support, demo, support_person)
    support.locator(".subnav").get_by_role("link", name="Access requests").click()
    support.goto(demo.url + "/platform/grants/new")
    support.select_option("select[name=tenant]", demo.tenant.slug)
    support.check("input[name=scope][value=conversations]")
    support.fill("textarea[name=conversations]", f"{demo.url}/c/{wanted.id}/")
    support.select_option("select[name=reason_code]", "customer_support_case")
    support.fill("input[name=case_reference]", "CASE-2041")
    support.fill("textarea[name=justification]", "The shop asks why a reply was not delivered.")
    support.fill("input[name=hours]", "4")
    with support.expect_navigation():
        support.get_by_role("button", name="Send the request").click()
    expect(support.locator("main")).to_contain_text("Waiting")
    grant_url = support.url
    expect(support.locator("main")).not_to_contain_text("Lucie")
    shot(support, "01-support-asked")

    # The admin sees the notice and approves it narrowed to one hour.
    admin = new_page()
    sign_in(admin, demo, "admin")
    expect(admin.locator(".notices-link .badge")).to_contain_text("1")
    admin.goto(demo.url + "/settings/platform-access/")
    expect(admin.locator("main")).to_contain_text("CASE-2041")
    expect(admin.locator("main")).to_contain_text("transfer")  # the demo support works from CA
    admin.fill("form.decide input[name=hours]", "1")
    with admin.expect_navigation():
        admin.locator("form.decide").get_by_role("button", name="Approve").click()
    expect(admin.locator("main")).to_contain_text("Revoke now")
    shot(admin, "02-admin-approved")
    grant = AccessGrant.objects.for_tenant(demo.tenant).get()
    assert (grant.requested_hours, grant.approved_hours) == (4, 1)
    assert grant.expires_at - grant.decided_at == dt.timedelta(hours=1)

    # Support reads the conversation, and nothing else.
    support.goto(grant_url)
    expect(support.locator("#granted")).to_contain_text("Lucie Martin")
    expect(support.locator("#granted")).not_to_contain_text("Paul Other")
    support.locator(f"#granted li[data-id='{wanted.id}'] a").click()
    expect(support.locator("#grant-banner")).to_be_visible()
    expect(support.locator(".thread")).to_contain_text("My parcel never came")
    expect(support.locator("textarea")).to_have_count(0)  # no reply box
    shot(support, "03-support-reads")
    reading_url = support.url
    refused = support.goto(reading_url.replace(str(wanted.id), str(other.id)))
    assert refused.status == 404

    # Support is back on the grant's list of conversations when the admin revokes;
    # their next click (the same link that worked) is refused, session still open.
    support.goto(grant_url)
    link = support.locator(f"#granted li[data-id='{wanted.id}'] a")
    admin.once("dialog", lambda dialog: dialog.accept())
    with admin.expect_navigation():
        admin.get_by_role("button", name="Revoke now").click()
    with support.expect_response(lambda answer: answer.url == reading_url) as clicked:
        link.click()
    assert clicked.value.status == 404
    expect(support.locator("body")).not_to_contain_text("My parcel never came")
    support.goto(demo.url + "/platform/")
    expect(support).to_have_url(re.compile(r"/platform/$"))  # still signed in to the console

    # The access record lists the reads, from the audit log.
    admin.goto(demo.url + "/settings/platform-access/log/")
    reads = admin.locator("tr[data-action='platform.access']")
    expect(reads.first).to_contain_text(support_person["email"])
    expect(reads.first).to_contain_text("CA")
    expect(reads.first.locator("[data-transfer]")).to_be_visible()
    # The two refusals: the other conversation, and the click after revocation.
    expect(admin.locator("tr[data-action='platform.access_denied']")).to_have_count(2)
    expect(admin.locator("tr[data-action='platform.access_revoked']")).to_have_count(1)
    shot(admin, "04-access-record")
    recorded = AuditEvent.objects.for_tenant(demo.tenant).filter(action="platform.access")
    assert recorded.count() >= 2  # the grant's page and the conversation
    no_problems(admin)
