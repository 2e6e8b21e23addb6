"""Every error the API returns has the same JSON shape and says what is wrong."""

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import path

from tenants.models import Role

pytestmark = pytest.mark.django_db


def _error(response):
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return body["error"]


def test_unknown_api_address_is_a_json_404(tenant_a):
    response = tenant_a.client().get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_unknown_object_id_is_a_json_404(tenant_a):
    response = tenant_a.client().get("/api/v1/shops/01890000-0000-7000-8000-000000000000")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_wrong_method_is_a_json_405(tenant_a):
    response = tenant_a.client().delete("/api/v1/me")
    assert response.status_code == 405
    assert _error(response)["code"] == "method_not_allowed"


def test_unknown_fields_are_rejected_by_name(tenant_a):
    response = tenant_a.client().post(
        "/api/v1/shops", {"name": "X", "colour": "red"}, format="json"
    )
    assert response.status_code == 400
    assert _error(response)["fields"] == {"colour": ["Unknown field."]}


def test_missing_required_field_is_named(tenant_a):
    response = tenant_a.client().post("/api/v1/shops", {}, format="json")
    assert response.status_code == 400
    assert "name" in _error(response)["fields"]


def test_malformed_json_is_a_400(tenant_a):
    response = tenant_a.client().post("/api/v1/shops", '{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert _error(response)["code"] == "malformed_request"


def test_bodies_over_one_mebibyte_get_413(tenant_a):
    body = '{"name": "' + "x" * (1024 * 1024) + '"}'
    response = tenant_a.client().post("/api/v1/shops", body, content_type="application/json")
    assert response.status_code == 413
    assert _error(response)["code"] == "payload_too_large"


def test_wrong_media_type_is_a_415(tenant_a):
    response = tenant_a.client().post("/api/v1/shops", "name=X", content_type="text/plain")
    assert response.status_code == 415
    _error(response)


def _boom(request):
    raise RuntimeError("an unexpected failure")


def _database_gone(request):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


urlpatterns = [path("api/v1/boom", _boom), path("api/v1/database-gone", _database_gone)]
handler500 = "instaply.api.errors.server_error"


def test_server_errors_are_json_too(settings):
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/api/v1/boom")
    assert response.status_code == 500
    assert _error(response) == {
        "code": "server_error",
        "message": "Something went wrong on our side.",
    }


def test_an_unreachable_database_is_a_json_503_to_try_again(settings):
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/api/v1/database-gone")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert _error(response)["code"] == "service_unavailable"


def test_forbidden_is_json_with_a_reason(tenant_a):
    response = tenant_a.client(Role.VIEWER).post("/api/v1/shops", {"name": "X"}, format="json")
    assert response.status_code == 403
    assert _error(response)["message"].startswith("The viewer role cannot")


def test_errors_are_not_cached(tenant_a):
    assert tenant_a.client().get("/api/v1/nothing")["Cache-Control"] == "no-store"
