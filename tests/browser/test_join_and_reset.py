"""Joining from an invitation and resetting a forgotten password, in Chromium.

Both links carry a secret token. The pages keep it out of every Referer header
by trading it for a session entry and a token-less address before the form is
shown; the form itself is an ordinary same-origin page, so Chromium sends a real
Origin with the POST and the CSRF check lets it through.
"""

import re

from django.core import mail
from playwright.sync_api import expect

from tenants.models import Membership, Role
from tenants.services.members import invitation_create
from tests.browser.support import browser_test, no_problems

pytestmark = browser_test

INVITATION_LINK = re.compile(r"https?://\S+/invite/[\w-]+/inv_[\w-]+/")
RESET_LINK = re.compile(r"https?://\S+/password-reset/[\w-]+/[\w-]+/")
NEW_PASSWORD = "a lighthouse of biscuits"


def _emailed_link(pattern: re.Pattern) -> str:
    assert mail.outbox, "no email was sent"
    match = pattern.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match[0]


def _token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


def test_a_newcomer_joins_from_the_invitation_email(demo, new_page, shot):
    owner = demo.people["owner"]["membership"]
    invitation_create(actor=owner, email="newcomer@demo-bakery.example", role=Role.AGENT)
    link = _emailed_link(INVITATION_LINK)

    page = new_page()
    page.goto(link)
    # The form is shown at an address without the token.
    assert _token_of(link) not in page.url
    expect(page.locator("h1")).to_have_text("Join your team")
    shot(page, "01-invitation")
    page.fill("input[name=full_name]", "Nora Newcomer")
    page.fill("input[name=password]", NEW_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    # Signed in, in the team's inbox.
    expect(page).to_have_url(demo.url + "/")
    expect(page.locator(".whoami")).to_contain_text("Nora Newcomer")
    shot(page, "02-joined")
    joined = Membership.objects.get(tenant=demo.tenant, user__email="newcomer@demo-bakery.example")
    assert joined.role == Role.AGENT
    no_problems(page)


def test_a_forgotten_password_is_reset_from_the_emailed_link(demo, new_page, shot):
    agent = demo.people["agent"]
    page = new_page()
    page.goto(demo.url + "/login/")
    page.click("text=Forgot your password?")
    page.fill("input[name=email]", agent["email"])
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    expect(page).to_have_url(demo.url + "/password-reset/sent/")
    link = _emailed_link(RESET_LINK)

    page.goto(link)
    assert _token_of(link) not in page.url
    expect(page.locator("h1")).to_have_text("Choose a new password")
    shot(page, "01-new-password")
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    expect(page).to_have_url(demo.url + "/password-reset/done/")

    # The new password signs in; the old one no longer does.
    page.goto(demo.url + "/login/")
    page.fill("input[name=username]", agent["email"])
    page.fill("input[name=password]", NEW_PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/login/'] button[type=submit]")
    expect(page).to_have_url(demo.url + "/")
    expect(page.locator(".whoami")).to_be_visible()
    shot(page, "02-signed-in")
    no_problems(page)
