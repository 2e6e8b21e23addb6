"""A member's home page offers only what their role can use, and all of it works."""

import html
import re

import pytest
from rest_framework.test import APIClient

from tenants.models import Role
from tenants.services.tokens import api_token_create

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<a\s[^>]*href="(/[^"]*)"')
API_CALL = re.compile(r"<code>GET (/api/v1/[\w/]+)</code>")


@pytest.mark.parametrize("role", Role.values)
def test_every_link_on_a_roles_home_page_opens(tenant_a, page_as, role):
    browser = page_as(role)
    home = browser.get("/")
    assert home.status_code == 200
    links = sorted({html.unescape(link) for link in LINK.findall(home.content.decode())})
    assert "/account/" in links
    for link in links:
        assert browser.get(link, follow=True).status_code == 200, (role, link)


@pytest.mark.parametrize("role", Role.values)
def test_what_a_home_page_offers_through_the_api_answers_that_role(tenant_a, page_as, role):
    calls = API_CALL.findall(page_as(role).get("/").content.decode())
    api = APIClient()
    _, token = api_token_create(membership=tenant_a.members[role], name="home page")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    for call in calls:
        assert api.get(call).status_code == 200, (role, call)


def test_a_privacy_officer_is_offered_no_page_that_is_not_theirs_or_not_built(page_as):
    page = page_as(Role.PRIVACY).get("/").content.decode()
    pages = page[page.index('id="pages"') :]
    pages = pages[: pages.index("</ul>")]
    assert set(LINK.findall(pages)) == {"/account/", "/settings/tokens/"}
    # Members are listed through the API only; data-subject requests are not built.
    assert "/settings/members/" not in page
    assert "data-subject" not in page.lower()
    assert API_CALL.findall(page) == ["/api/v1/members", "/api/v1/audit/events"]
