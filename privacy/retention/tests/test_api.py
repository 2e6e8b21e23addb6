"""/api/v1/retention: read the policy, its bounds, the preview and the last run;
change it; errors as JSON naming the field; one tenant never sees another's."""

import pytest
import time_machine

from audit.models import AuditEvent
from privacy.retention.models import RetentionPolicy
from privacy.retention.run import retention_apply
from privacy.retention.selectors import retention_policy_for
from privacy.retention.tests.settings_support import BOUNDS, NOW, old_conversations
from tenants.models import Role

pytestmark = pytest.mark.django_db

URL = "/api/v1/retention"


@pytest.fixture(autouse=True)
def clock_and_bounds(settings):
    for name, value in BOUNDS.items():
        setattr(settings, name, value)
    with time_machine.travel(NOW, tick=False):
        yield


def test_get_answers_the_policy_bounds_preview_and_last_run(tenant_a):
    old_conversations(tenant_a, 800, 3)
    old_conversations(tenant_a, 100, 1)
    client = tenant_a.client()
    body = client.get(URL).json()
    assert body["inactive_days"] == 730 and body["closed_days"] is None
    assert body["is_default"] is True and body["updated_at"] is None
    assert body["bounds"] == {"min_days": 30, "max_days": 3650, "default_inactive_days": 730}
    assert body["preview"]["conversations"] == 3
    assert body["preview"]["messages"] == 6
    assert body["preview"]["contacts"] == 3
    assert body["preview"]["held"] == 0
    assert body["last_run"] is None
    assert "proposed" not in body
    assert set(body["platform_days"]) == {
        "webhook_deliveries",
        "concatenated_parts",
        "send_attempts",
        "visitor_sessions",
        "audit_events",
    }
    retention_apply(tenant_a.tenant)
    run = client.get(URL).json()["last_run"]
    assert run["counts"]["conversations"] == 3
    assert run["at"].startswith("2027-03-01T09:00:00")


def test_get_previews_proposed_values_without_saving_them(tenant_a):
    old_conversations(tenant_a, 800, 1)
    old_conversations(tenant_a, 100, 2, status="closed")
    client = tenant_a.client(Role.PRIVACY)
    body = client.get(URL, {"inactive_days": 365, "closed_days": 60}).json()
    assert body["proposed"]["inactive_days"] == 365 and body["proposed"]["closed_days"] == 60
    assert body["proposed"]["preview"]["conversations"] == 3
    assert body["preview"]["conversations"] == 1
    assert not RetentionPolicy.objects.exists()
    bad = client.get(URL, {"inactive_days": 5})
    assert bad.status_code == 400 and "inactive_days" in bad.json()["error"]["fields"]
    bad = client.get(URL, {"closed_days": 60})
    assert bad.status_code == 400 and "inactive_days" in bad.json()["error"]["fields"]


def test_put_changes_it_on_record(tenant_a):
    client = tenant_a.client(Role.ADMIN)
    response = client.put(URL, {"inactive_days": 400, "closed_days": 90}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["inactive_days"], body["closed_days"], body["is_default"]) == (400, 90, False)
    assert body["updated_by"] == str(tenant_a.members[Role.ADMIN].pk)
    assert body["updated_at"].startswith("2027-03-01T09:00:00")
    event = AuditEvent.objects.get(action="retention.policy_changed")
    assert event.actor_kind == "api_token"
    assert event.actor_member_id == tenant_a.members[Role.ADMIN].pk
    assert event.metadata["closed_days_after"] == 90
    response = client.put(URL, {"inactive_days": 400, "closed_days": None}, format="json")
    assert response.json()["closed_days"] is None
    assert retention_policy_for(tenant_a.tenant).closed_days is None


@pytest.mark.parametrize(
    "data, field",
    [
        ({"inactive_days": 29}, "inactive_days"),
        ({"inactive_days": 3651}, "inactive_days"),
        ({"inactive_days": "ninety"}, "inactive_days"),
        ({"inactive_days": True}, "inactive_days"),
        ({}, "inactive_days"),
        ({"inactive_days": 365, "closed_days": 400}, "closed_days"),
        ({"inactive_days": 365, "closed_days": 7}, "closed_days"),
        ({"inactive_days": 365, "keep_forever": True}, "keep_forever"),
    ],
)
def test_bad_values_are_a_400_naming_the_field(tenant_a, data, field):
    response = tenant_a.client().put(URL, data, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] and error["message"] and field in error["fields"]
    assert not RetentionPolicy.objects.exists()
    assert not AuditEvent.objects.filter(action="retention.policy_changed").exists()


def test_agents_and_viewers_are_refused_as_json(tenant_a):
    for role in (Role.AGENT, Role.VIEWER):
        client = tenant_a.client(role)
        for response in (client.get(URL), client.put(URL, {"inactive_days": 90}, format="json")):
            assert response.status_code == 403
            assert "cannot change how long" in response.json()["error"]["message"]
    assert not RetentionPolicy.objects.exists()
    assert tenant_a.client().post(URL, {}, format="json").status_code == 405


def test_each_tenant_reads_and_changes_only_its_own(tenant_a, tenant_b):
    old_conversations(tenant_a, 800, 4)
    client_b = tenant_b.client()
    assert client_b.get(URL).json()["preview"]["conversations"] == 0
    client_b.put(URL, {"inactive_days": 60}, format="json")
    assert retention_policy_for(tenant_b.tenant).inactive_days == 60
    assert not RetentionPolicy.objects.for_tenant(tenant_a.tenant).exists()
    assert tenant_a.client().get(URL).json()["inactive_days"] == 730
    retention_apply(tenant_a.tenant)
    assert client_b.get(URL).json()["last_run"] is None
