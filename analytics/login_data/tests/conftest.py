import pytest
from django.test import Client

from analytics.login_data import pending
from web.tests.helpers import authenticator_for, current_code, sign_in

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(autouse=True)
def nothing_pending():
    """Counts held in this process's memory belong to one test."""
    pending.clear()
    yield
    pending.clear()


@pytest.fixture
def country_header(settings):
    settings.LOGIN_COUNTRY_HEADER = "CF-IPCountry"


def browser_of(user, *, agent=CHROME_WINDOWS, ip="203.0.113.7", country="", code=False, **extra):
    """A browser signed in through the real sign-in page (and code step with ``code``)."""
    browser = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    headers = {"HTTP_CF_IPCOUNTRY": country} if country else {}
    response = sign_in(browser, user, **headers, **extra)
    assert response.status_code == 302, response.content[:300]
    if code:
        answer = browser.post(
            "/login/verify/", {"code": current_code(authenticator_for(user))}, **headers
        )
        assert answer.status_code == 302
    return browser
