"""A platform person signs in to the console with a password and a TOTP code,
sees the home of their role and the tenants list (counts, no content)."""

import re

from playwright.sync_api import expect

from platform_staff.demo import demo_platform_staff_ensure
from tests.browser.factories import widget_conversation
from tests.browser.support import browser_test, console_sign_in, no_problems

pytestmark = browser_test


def _console_sign_in(page, demo, person) -> None:
    page.goto(demo.url + "/platform/")
    expect(page).to_have_url(re.compile(r"/platform/login/\?next=%2Fplatform%2F$"))
    console_sign_in(page, demo, person)


def test_support_signs_in_with_a_code_and_sees_home_and_tenants(demo, new_page, shot):
    widget_conversation(demo, name="Lucie Secret", body="Where is my parcel?")
    people = demo_platform_staff_ensure()
    page = new_page()
    _console_sign_in(page, demo, people["support"])
    expect(page).to_have_url(re.compile(r"/platform/$"))
    expect(page.locator("#home-support")).to_contain_text("Your live access grants")
    expect(page.locator(".whoami")).to_contain_text("Support")
    expect(page.locator(".whoami .country")).to_contain_text("CA")
    expect(page.locator(".whoami .transfer")).to_be_visible()
    shot(page, "01-support-home")

    page.locator(".subnav").get_by_role("link", name="Tenants").click()
    expect(page).to_have_url(re.compile(r"/platform/tenants/$"))
    row = page.locator(f"tr[data-tenant='{demo.tenant.slug}']")
    expect(row).to_contain_text("Demo Bakery")
    expect(row.locator("[data-count=members]")).to_have_text("5")
    expect(row.locator("[data-count=conversations]")).to_have_text("1")
    expect(page.locator("main")).not_to_contain_text("Lucie")
    expect(page.locator("main")).not_to_contain_text("parcel")
    shot(page, "02-tenants")
    no_problems(page)


def test_the_dpo_reads_the_console_in_french(demo, new_page):
    people = demo_platform_staff_ensure()
    page = new_page(locale="fr-FR")
    _console_sign_in(page, demo, people["dpo"])
    expect(page.locator("#home-dpo")).to_contain_text("Délégué à la protection des données")
    expect(page.locator(".whoami .transfer")).to_have_count(0)
    page.locator("form[action='/platform/logout/'] button").click()
    expect(page).to_have_url(re.compile(r"/platform/login/$"))
    no_problems(page)
