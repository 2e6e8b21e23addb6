"""Fixtures of the consent ledger's tests: a widget that asks for the consent,
visitors talking through its public API, published policy versions."""

import datetime as dt

import pytest
from django.utils import timezone

from conversations.models import Widget
from privacy.policies.models import PolicyVersion
from privacy.policies.selectors import forget_published_versions

ORIGIN = "https://shop-a.example"
CONSENT_TEXT = "I agree that Alpha Shoes processes the health details I give in this chat."


def widget_api(client, widget, path, method="post", token=None, **data):
    headers = {"HTTP_ORIGIN": ORIGIN}
    if token:
        headers["HTTP_X_VISITOR_TOKEN"] = token
    url = f"/api/widget/v1/{widget.public_key}/{path}"
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, data, content_type="application/json", **headers)


class Visitor:
    """One visitor of the widget, with their own token."""

    def __init__(self, client, widget, **start):
        self.client, self.widget = client, widget
        start.setdefault("age", "adult")
        response = widget_api(client, widget, "sessions", **start)
        assert response.status_code == 201, response.json()
        self.token = response.json()["visitor_token"]
        self.conversation_id = response.json()["conversation_id"]

    def call(self, path, method="post", **data):
        return widget_api(self.client, self.widget, path, method=method, token=self.token, **data)

    def write(self, body: str) -> str:
        response = self.call("messages", body=body)
        assert response.status_code == 201, response.json()
        return response.json()["id"]

    def consent(self):
        return self.call("consent", method="get").json()

    def give(self):
        version = self.widget.special_category_text_version
        return self.call("consent", text_version=version)

    def withdraw(self):
        return self.call("consent/withdraw")


@pytest.fixture
def consent_widget(tenant_a):
    """Tenant A's widget, asking for the special-category consent (text version 1)."""
    from conversations.widget.admin_services import widget_update

    widget = Widget.objects.create(
        tenant=tenant_a.tenant, shop=tenant_a.shop, allowed_origins=[ORIGIN], age_gate=True
    )
    return widget_update(
        actor=tenant_a.owner,
        widget=widget,
        special_category_consent=True,
        special_category_text=CONSENT_TEXT,
    )


@pytest.fixture
def policies(db):
    """Two published privacy-policy versions: 2026-01 from 60 days ago, 2026-02 from
    10 days ago (the cached list is dropped before and after)."""
    now = timezone.now()
    forget_published_versions()
    for version, days in (("2026-01", 60), ("2026-02", 10)):
        PolicyVersion.objects.create(
            version=version,
            effective_at=now - dt.timedelta(days=days),
            text_en="...",
            text_fr="...",
            published_at=now - dt.timedelta(days=days + 1),
        )
    yield now
    forget_published_versions()
