"""An admin opens Settings → Sign-ins, signs out a member's session, and the
member's next navigation lands on the sign-in page. The admin's page is used at
a phone's width (390 px), in French."""

import re

from playwright.sync_api import expect

from analytics.login_data.models import LoginSession
from tests.browser.support import browser_test, no_problems, sign_in

pytestmark = browser_test


def test_an_admin_signs_out_a_members_session(demo, new_page, shot):
    agent = new_page()
    sign_in(agent, demo, "agent")
    agent.goto(demo.url + "/account/")
    expect(agent.locator("h1")).to_have_text("Your account")
    agent_user = demo.people["agent"]["membership"].user
    session = LoginSession.objects.filter(user=agent_user, ended_at=None).latest("started_at")

    admin = new_page(width=390, height=844, locale="fr-FR")
    sign_in(admin, demo, "admin")
    admin.goto(demo.url + "/settings/sign-ins/")
    expect(admin.locator("h1")).to_have_text("Connexions")
    row = admin.locator(f"tr[data-session='{session.id}']")
    expect(row).to_contain_text(agent_user.email)
    expect(row).to_contain_text("En cours")
    expect(row).to_contain_text("Chrome")
    # At 390 px nothing overflows sideways.
    assert admin.evaluate("document.documentElement.scrollWidth") <= 390
    shot(admin, "01-sign-ins")
    admin.once("dialog", lambda dialog: dialog.accept())
    with admin.expect_navigation():
        row.get_by_role("button", name="Se déconnecter").click()
    expect(admin.locator(".messages")).to_contain_text("Session fermée")
    expect(row).to_contain_text("fermée par un administrateur")
    shot(admin, "02-signed-out")

    agent.goto(demo.url + "/")
    expect(agent).to_have_url(re.compile(r"/login/"))
    expect(agent.locator("input[name=username]")).to_be_visible()
    shot(agent, "03-agent-at-sign-in")
    session.refresh_from_db()
    assert session.end_reason == "signed_out_by_admin"
    no_problems(agent)
