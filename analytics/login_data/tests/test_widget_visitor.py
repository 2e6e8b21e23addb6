"""A widget visitor keeps its browser and device family, nothing more."""

import pytest
from django.conf import settings

from analytics.login_data.tests.conftest import SAFARI_IPHONE
from conversations.models import Widget, WidgetVisitor

pytestmark = pytest.mark.django_db


def test_a_widget_session_records_browser_and_device_family_only(client, tenant_a):
    widget = Widget.objects.create(
        tenant=tenant_a.tenant, shop=tenant_a.shop, allowed_origins=["https://shop-a.example"]
    )
    answer = client.post(
        f"/api/widget/v1/{widget.public_key}/sessions",
        {"age": "adult"},
        content_type="application/json",
        HTTP_ORIGIN="https://shop-a.example",
        HTTP_USER_AGENT=SAFARI_IPHONE,
        REMOTE_ADDR="198.51.100.9",
    )
    assert answer.status_code == 201, answer.content
    stored = WidgetVisitor.objects.for_tenant(tenant_a.tenant).values().get()
    assert (stored["browser_family"], stored["device_family"]) == ("Mobile Safari", "iPhone")
    assert "198.51.100.9" not in str(stored) and "iOS" not in str(stored)
    assert "Mozilla" not in str(stored)
    assert settings.SESSION_COOKIE_NAME not in answer.cookies  # no staff session began
