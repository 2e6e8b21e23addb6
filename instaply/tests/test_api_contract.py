"""The API describes itself, and every endpoint declares what it needs."""

import pytest

from tenants.api.base import TenantAPIView
from tenants.permissions import Capability
from tests.isolation.walker import api_endpoints

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/me" in schema["paths"]
    assert "/api/v1/members/{member_id}" in schema["paths"]


def test_the_docs_page_is_served_without_third_party_hosts(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn." not in html and "jsdelivr" not in html


def test_every_tenant_endpoint_declares_a_capability_for_each_method():
    for endpoint in api_endpoints():
        view = endpoint.view_class
        if not issubclass(view, TenantAPIView):
            continue
        assert view.capabilities, f"{endpoint.route} declares no capability"
        for method, capability in view.capabilities.items():
            assert isinstance(capability, Capability), (endpoint.route, method)
            assert hasattr(view, method.lower()), (
                f"{endpoint.route}: {method} declared but not handled"
            )
