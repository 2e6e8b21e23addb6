"""A privacy request end to end, the issue's acceptance: the workspace's privacy
officer files an erasure for a customer; the platform's DPO sees it in the
console with counts and no content, and starts the work; it completes; the
privacy officer sees it completed with its erasure receipt; the customer's
conversation is gone from the inbox, the others stay.

The work runs in-process (tasks are eager in the browser tests): the request
is completed by the time the DPO's page comes back; a real worker would
complete it moments later, hence the reloads while waiting."""

import datetime as dt
import re
import time

from playwright.sync_api import expect

from platform_staff.demo import demo_platform_staff_ensure
from tests.browser.factories import widget_conversation
from tests.browser.support import browser_test, console_sign_in, no_problems, sign_in

pytestmark = browser_test

NAME, BODY = "Lucie Effacée", "Please delete everything you have about me"


def wait_for_state(page, state: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while page.locator(f"[data-state='{state}']").count() == 0:
        assert time.monotonic() < deadline, f"the request never reached {state}"
        time.sleep(0.5)
        page.reload()


def test_an_erasure_filed_by_the_workspace_and_carried_out_by_the_dpo(demo, new_page, shot):
    erased = widget_conversation(demo, name=NAME, body=BODY)
    kept = widget_conversation(demo, name="Paul Stays", body="Is the bakery open on Sunday?")
    dpo_person = demo_platform_staff_ensure()["dpo"]

    # The owner sees both customers in the inbox.
    owner = new_page()
    sign_in(owner, demo, "owner")
    owner.goto(demo.url + "/inbox/")
    expect(owner.locator(f".conv[data-id='{erased.id}']")).to_have_count(1)

    # The privacy officer files the erasure in the workspace's settings.
    officer = new_page()
    sign_in(officer, demo, "privacy")
    officer.goto(demo.url + "/settings/privacy/new")
    officer.select_option("select[name=request_type]", "erasure")
    officer.fill("input[name=contact_id]", str(erased.contact_id))
    officer.fill(
        "input[name=subject_asked_on]", (dt.date.today() - dt.timedelta(days=1)).isoformat()
    )
    officer.check("input[name=identity_verified]")
    officer.fill("textarea[name=notes]", "Asked by phone, identity checked against her order.")
    with officer.expect_navigation():
        officer.get_by_role("button", name="File the request").click()
    expect(officer.locator("main")).to_contain_text("Request filed")
    dsr_url = officer.url
    dsr_id = re.search(r"/settings/privacy/([0-9a-f-]+)/", dsr_url).group(1)
    shot(officer, "01-filed")

    # The DPO finds it in the console's queue, with counts and no content.
    dpo = new_page()
    console_sign_in(dpo, demo, dpo_person)
    expect(dpo.locator("#home-dpo [data-count='dsr-open']")).to_have_text("1")
    dpo.locator(".subnav").get_by_role("link", name="Requests", exact=True).click()
    expect(dpo).to_have_url(re.compile(r"/platform/requests/$"))
    row = dpo.locator(f"tr[data-dsr='{dsr_id}']")
    expect(row).to_contain_text("Demo Bakery")
    expect(row).to_contain_text("Erasure")
    row.get_by_role("link").click()
    expect(dpo.locator("#counts [data-count='conversations']")).to_have_text("1")
    expect(dpo.locator("#counts [data-count='messages']")).to_have_text("1")
    for secret in (NAME, BODY, "identity checked", str(erased.contact_id)):
        expect(dpo.locator("main")).not_to_contain_text(secret)
    shot(dpo, "02-dpo-counts")

    with dpo.expect_navigation():
        dpo.get_by_role("button", name="Start the work").click()
    wait_for_state(dpo, "completed")
    expect(dpo.locator("#progress")).to_contain_text("100 %")
    expect(dpo.locator("#history")).to_contain_text("Work started")
    shot(dpo, "03-dpo-completed")

    # The privacy officer sees the request completed, with its receipt.
    officer.goto(dsr_url)
    expect(officer.locator("main")).to_contain_text("Completed")
    receipt = officer.locator("#receipt")
    expect(receipt).to_contain_text("Erasure receipt")
    expect(receipt.locator("[data-store='database']")).to_contain_text("Conversations")
    expect(receipt.locator("[data-store='keys']")).to_contain_text("1 data key destroyed")
    expect(receipt.locator("[data-store='backups']")).to_contain_text("expires by")
    expect(officer.locator(".notices-link .badge")).to_contain_text("1")
    shot(officer, "04-receipt")

    # The customer's conversation is gone from the inbox; the other one stays.
    owner.goto(demo.url + "/inbox/")
    expect(owner.locator(f".conv[data-id='{kept.id}']")).to_have_count(1)
    expect(owner.locator(f".conv[data-id='{erased.id}']")).to_have_count(0)
    expect(owner.locator("main")).not_to_contain_text(NAME)
    for page in (owner, officer, dpo):
        no_problems(page)
