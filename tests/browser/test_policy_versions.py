"""A new privacy-policy version, end to end in two browsers.

The DPO signs in to the console, writes a version (effective tomorrow, with a
service message), previews it, and publishes it after the confirmation step.
The demo workspace sends service messages: its customer gets one. The
workspace's owner finds the notice, then Settings → Privacy policy with the
version and its outcome; the public page shows the text.
"""

import datetime as dt
import re
import zoneinfo

from django.conf import settings
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import Message
from platform_staff.demo import demo_platform_staff_ensure
from tests.browser.factories import widget_conversation
from tests.browser.support import browser_test, console_sign_in, no_problems, sign_in

pytestmark = browser_test

SERVICE_EN = "Our privacy policy changes tomorrow. Read it at instaply.example/privacy-policy"


def test_the_dpo_publishes_a_version_and_the_owner_sees_its_outcome(demo, new_page, shot):
    demo.tenant.send_policy_messages = True
    demo.tenant.save(update_fields=["send_policy_messages"])
    conversation = widget_conversation(demo, name="Lucie Martin", body="Is my cake ready?")
    dpo = demo_platform_staff_ensure()["dpo"]
    tomorrow = (timezone.now() + dt.timedelta(days=1)).astimezone(
        zoneinfo.ZoneInfo(settings.PRIVACY_TIME_ZONE)
    )

    # The DPO writes the version.
    console = new_page()
    console_sign_in(console, demo, dpo)
    console.locator(".subnav").get_by_role("link", name="Privacy policy").click()
    expect(console).to_have_url(re.compile(r"/platform/policies/$"))
    expect(console.locator("#in-force")).to_contain_text("No version is in force yet.")
    console.get_by_role("link", name="Write a new version").click()
    console.fill("input[name=version]", "2027-01")
    console.fill("input[name=effective_at]", tomorrow.strftime("%Y-%m-%dT%H:%M"))
    console.fill("textarea[name=text_en]", "We keep your messages only as long as the shop says.")
    console.fill(
        "textarea[name=text_fr]", "Nous gardons vos messages le temps fixé par le commerce."
    )
    console.fill("textarea[name=summary_en]", "Retention is set by each shop.")
    console.fill("textarea[name=summary_fr]", "La conservation est fixée par chaque commerce.")
    console.fill("textarea[name=service_message_en]", SERVICE_EN)
    console.fill("textarea[name=service_message_fr]", "Notre politique change demain.")
    with console.expect_navigation():
        console.get_by_role("button", name="Save the draft").click()
    expect(console.locator("#facts")).to_contain_text("Draft")
    expect(console.locator("#preview-en")).to_contain_text("only as long as the shop says")
    expect(console.locator("#preview-fr")).to_contain_text("le temps fixé par le commerce")
    shot(console, "01-draft-preview")

    # The confirmation step says what publishing does, then it is done.
    console.locator("#publish").click()
    expect(console.locator("#confirm")).to_contain_text("Publish version 2027-01?")
    expect(console.locator("#tenants-told")).to_contain_text("1 workspace are told")
    expect(console.locator("#tenants-sending")).to_contain_text("1 workspace chose to send")
    shot(console, "02-confirm")
    with console.expect_navigation():
        console.locator("#confirm-publish").click()
    expect(console.locator("#facts")).to_contain_text("Published, not yet in force")
    expect(console.locator("#actions")).to_have_count(0)
    no_problems(console)

    # The workspace's customer got the service message; its owners were emailed.
    (sent,) = Message.objects.filter(conversation=conversation, service=True)
    assert sent.body == SERVICE_EN
    people = demo.people
    assert sorted(a for m in mail.outbox for a in m.to) == sorted(
        [people["owner"]["email"], people["privacy"]["email"]]
    )

    # The owner reads the notice and the outcome.
    owner = new_page()
    sign_in(owner, demo, "owner")
    expect(owner.locator(".notices-link .badge")).to_contain_text("1")
    owner.locator(".notices-link").click()
    notice = owner.locator("#notices")
    expect(notice).to_contain_text("A new version of the privacy policy")
    expect(notice).to_contain_text("version 2027-01 is in force from")
    shot(owner, "03-owner-notice")
    owner.goto(demo.url + "/settings/privacy-policy/")
    row = owner.locator("tr[data-version='2027-01']")
    expect(row).to_contain_text("Coming")
    expect(row.locator("[data-count=sent]")).to_have_text("1 customer received it")
    expect(row.locator("[data-count=not-sent]")).to_have_text("0 not sent")
    expect(owner.locator("#send-policy-messages")).to_be_checked()
    shot(owner, "04-owner-outcome")
    row.get_by_role("link", name="2027-01").click()
    expect(owner.locator("#policy-text")).to_contain_text("only as long as the shop says")
    no_problems(owner)
