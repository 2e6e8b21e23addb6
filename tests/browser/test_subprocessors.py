"""A new sub-processor, end to end in two browsers.

The DPO announces a new sub-processor in the console (its date of effect 31
days ahead). The workspace's privacy member finds the notice, opens Settings →
Sub-processors, and objects. The DPO sees the objection on the change's page.
"""

import datetime as dt
import re

from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from compliance.models import SubProcessorChange
from platform_staff.demo import demo_platform_staff_ensure
from tests.browser.support import browser_test, console_sign_in, no_problems, sign_in

pytestmark = browser_test


def test_the_dpo_announces_a_sub_processor_and_a_privacy_member_objects(demo, new_page, shot):
    dpo = demo_platform_staff_ensure()["dpo"]
    effective = (timezone.now() + dt.timedelta(days=31)).date().isoformat()

    # The DPO announces it.
    console = new_page()
    console_sign_in(console, demo, dpo)
    console.locator(".subnav").get_by_role("link", name="Sub-processors").click()
    expect(console).to_have_url(re.compile(r"/platform/subprocessors/$"))
    console.get_by_role("link", name="Announce a change").click()
    console.fill("input[name=code]", "acme_sms")
    console.fill("input[name=name]", "Acme SMS Ltd")
    console.fill("input[name=purpose_en]", "Sends and receives SMS in Ireland.")
    console.fill("input[name=purpose_fr]", "Envoie et reçoit des SMS en Irlande.")
    console.get_by_label("Message content").check()
    console.get_by_label("Phone numbers and email addresses").check()
    console.fill("input[name=country]", "IE")
    console.select_option("select[name=safeguard]", "eu")
    console.fill("input[name=integrations]", "acme_sms, api.acme-sms.ie")
    console.fill("input[name=effective_on]", effective)
    console.fill("textarea[name=note]", "Better delivery rates in Ireland.")
    shot(console, "01-announce")
    with console.expect_navigation():
        console.get_by_role("button", name="Announce").click()
    expect(console.locator("#effective-on")).to_have_text(effective)
    expect(console.locator("#objections")).to_contain_text("No objections.")
    no_problems(console)
    change = SubProcessorChange.objects.get(subprocessor__code="acme_sms")
    people = demo.people
    assert sorted(a for m in mail.outbox for a in m.to) == sorted(
        [people["owner"]["email"], people["privacy"]["email"]]
    )

    # The privacy member sees the notice and objects.
    privacy = new_page()
    sign_in(privacy, demo, "privacy")
    privacy.locator(".notices-link").click()
    notice = privacy.locator("#notices")
    expect(notice).to_contain_text("A new sub-processor from " + effective)
    expect(notice).to_contain_text("acme_sms")
    shot(privacy, "02-notice")
    privacy.goto(demo.url + "/settings/subprocessors/")
    card = privacy.locator(f"article[data-change='{change.pk}']")
    expect(card).to_contain_text("Acme SMS Ltd")
    expect(card).to_contain_text(f"In effect from {effective}.")
    card.locator("textarea[name=reason]").fill("Our customers were promised French carriers.")
    with privacy.expect_navigation():
        card.get_by_role("button", name="Object").click()
    expect(card.locator(".objection")).to_contain_text("promised French carriers")
    expect(card.get_by_role("button", name="Withdraw the objection")).to_be_visible()
    shot(privacy, "03-objected")
    no_problems(privacy)

    # The DPO sees it, with the workspace and the reason.
    console.reload()
    row = console.locator(f"#objections tr[data-tenant='{demo.tenant.slug}']")
    expect(row).to_contain_text(demo.tenant.name)
    expect(row).to_contain_text("promised French carriers")
    expect(row).to_contain_text("Standing")
    shot(console, "04-dpo-sees-objection")
    no_problems(console)
