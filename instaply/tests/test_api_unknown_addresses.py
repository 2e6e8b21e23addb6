"""An unsafe request to an address the API does not have gets the API's JSON 404,
not the site's "This form has expired" page: over real HTTP, with every unsafe
method, with and without a token, with and without a trailing slash."""

import pytest
import requests
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def http():
    session = requests.Session()
    session.trust_env = False  # loopback only, never through a machine-wide proxy
    yield session
    session.close()


def _answers(http, url: str, headers: dict) -> dict:
    answers = {}
    for method in UNSAFE_METHODS:
        response = http.request(method, url, json={"name": "X"}, headers=headers, timeout=10)
        is_json = response.headers.get("Content-Type", "").startswith("application/json")
        code = response.json().get("error", {}).get("code") if is_json else None
        answers[method] = (response.status_code, code)
    return answers


@pytest.mark.django_db(transaction=True)
def test_unsafe_methods_on_unknown_api_addresses_are_json_404s(live_server, tenant_a, http):
    from tenants.services.tokens import api_token_create

    _, raw = api_token_create(membership=tenant_a.owner, name="unknown addresses")
    shop = f"{live_server.url}/api/v1/shops/{tenant_a.shop.id}"
    addresses = [
        f"{shop}/",  # a real object, with the trailing slash our routes do not take
        f"{shop}/no-such-thing",
        f"{live_server.url}/api/v1/no-such-thing",
        f"{live_server.url}/api/v1/no-such-thing/",
        f"{live_server.url}/api/widget/v1/no-such-widget/no-such-thing/",
        f"{live_server.url}/api/no-such-version",
    ]
    with_token = {"Authorization": f"Bearer {raw}"}
    expected = dict.fromkeys(UNSAFE_METHODS, (404, "not_found"))
    for url in addresses:
        for headers in (with_token, {}):
            assert _answers(http, url, headers) == expected, (url, bool(headers))


def _plain_form_view(request):
    return HttpResponse("changed")


urlpatterns = [
    path("api/v1/plain", _plain_form_view),
    path("plain", _plain_form_view),
    path("", include("web.urls")),  # the site's frame links to its pages
]


def test_a_csrf_failure_under_the_api_is_json(settings):
    settings.ROOT_URLCONF = __name__
    response = Client(enforce_csrf_checks=True).post("/api/v1/plain", {})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "csrf_failed"


def test_a_csrf_failure_on_a_page_is_the_sites_own_page(settings):
    settings.ROOT_URLCONF = __name__
    response = Client(enforce_csrf_checks=True).post("/plain", {})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert b"This form has expired" in response.content
