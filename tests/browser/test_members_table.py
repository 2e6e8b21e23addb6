"""Long addresses and names wrap inside the members page's tables instead of
stretching them (a 312-character address once made the table 3,675 px wide)."""

from playwright.sync_api import expect

from tenants.models import Invitation, InvitationDelivery, Membership, Role, User
from tests.browser.support import browser_test, no_problems, sign_in

pytestmark = browser_test

LONGEST = "a" * 64 + "@" + ".".join(["b" * 61] * 3) + ".org"  # 254 characters

WIDTHS = """() => [...document.querySelectorAll('table.members-list')].map(table => ({
    id: table.id,
    table: Math.round(table.getBoundingClientRect().width),
    card: Math.round(table.closest('.card').getBoundingClientRect().width),
}))"""


def test_long_values_wrap_inside_the_members_tables(demo, new_page, shot):
    invitation = Invitation.objects.create(
        tenant=demo.tenant, email=LONGEST, role=Role.AGENT, expires_at="2099-01-01T00:00:00Z"
    )
    InvitationDelivery.objects.create(tenant=demo.tenant, invitation=invitation)
    user = User.objects.create_user("x" * 60 + "@example.org", "unused password 42",
                                    full_name="Bartholomew" * 13)  # fmt: skip
    Membership.objects.create(tenant=demo.tenant, user=user, role=Role.VIEWER)
    page = new_page(width=1280, height=900)
    sign_in(page, demo, "admin")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(demo.url + "/settings/members/")
        expect(page.locator(f'tr[data-invitation="{invitation.id}"]')).to_contain_text("aaaa")
        shot(page, f"members-{width}")
        page.locator("#invitations").scroll_into_view_if_needed()
        shot(page, f"invitations-{width}")
        tables = page.evaluate(WIDTHS)
        assert [t["id"] for t in tables] == ["members", "invitations"]
        for table in tables:
            assert table["table"] <= table["card"], (width, table)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    no_problems(page)
