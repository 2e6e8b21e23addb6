"""GET /api/v1/audit/events: the tenant's own events, filtered, streamed, with
the hashes the tenant needs to verify them by the documented procedure."""

import csv
import datetime as dt
import io
import json

import pytest
import time_machine
from django.utils import timezone

from audit import chain
from audit.models import AuditEvent
from audit.recorder import Actor, record
from audit.sealing import seal_events
from audit.tests.conftest import documented_verifier, make_events
from tenants.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def documented():
    return documented_verifier()


def body(response) -> str:
    return b"".join(response.streaming_content).decode()


def jsonl(response) -> list[dict]:
    return [json.loads(line) for line in body(response).splitlines()]


def export(client, **params):
    response = client.get("/api/v1/audit/events", params)
    assert response.status_code == 200, response.content
    return response


@pytest.fixture
def history(tenant_a, tenant_b):
    """Events of both tenants and of the platform, sealed."""
    agent = tenant_a.members[Role.AGENT]
    record("auth.login.failed", outcome="failure", tenant=tenant_a.tenant, actor=Actor.anonymous())
    record("auth.login.succeeded", tenant=tenant_a.tenant, actor=Actor.user(agent.user))
    record("personal_data.read", tenant=tenant_a.tenant, actor=Actor.member(agent))
    record("member.revoked", tenant=tenant_a.tenant, actor=Actor.member(tenant_a.owner))
    make_events(2, tenant=tenant_b.tenant)
    make_events(1)  # platform
    seal_events()


def test_jsonl_holds_only_the_tenants_events_with_their_seals(tenant_a, tenant_b, history):
    response = export(tenant_a.client(Role.PRIVACY))
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Cache-Control"] == "private, no-store"
    assert "attachment" in response["Content-Disposition"]
    rows = jsonl(response)
    assert {row["tenant_id"] for row in rows} == {str(tenant_a.tenant.pk)}
    assert set(rows[0]) == set(chain.EVENT_FIELDS + chain.SEAL_FIELDS)
    ours = AuditEvent.objects.filter(tenant=tenant_a.tenant).count()
    assert len(rows) == ours
    # The export's own event committed before the stream began; it awaits sealing.
    assert rows[-1]["action"] == "audit.exported" and rows[-1]["hash"] is None
    sealed = [row for row in rows if row["hash"]]
    assert [r["tenant_seq"] for r in sealed] == list(range(1, len(sealed) + 1))
    assert sealed[0]["tenant_prev_hash"] == chain.GENESIS


def test_the_export_is_audited(tenant_a, history):
    export(tenant_a.client(Role.ADMIN), action="auth.*", format="csv")
    event = AuditEvent.objects.get(action="audit.exported")
    assert event.actor_member_id == tenant_a.members[Role.ADMIN].pk
    assert event.target_kind == "tenant" and event.target_id == str(tenant_a.tenant.pk)
    assert event.metadata["format"] == "csv" and event.metadata["action_filter"] == "auth.*"


def test_the_documented_procedure_verifies_jsonl_and_csv(tenant_a, history, documented):
    client = tenant_a.client(Role.OWNER)
    seal_events()  # seal the token's creation, if it was recorded
    rows = jsonl(export(client))
    assert rows and documented(rows) == []

    table = list(csv.DictReader(io.StringIO(body(export(client, format="csv")))))
    assert table and documented(table) == []

    tampered = [dict(row) for row in rows]
    tampered[1]["outcome"] = "success" if tampered[1]["outcome"] != "success" else "failure"
    assert any("altered" in p for p in documented(tampered))
    assert any("missing" in p for p in documented(rows[:1] + rows[2:]))


def test_after_seq_continues_from_a_kept_hash(tenant_a, history, documented):
    client = tenant_a.client(Role.OWNER)
    seal_events()
    first = [row for row in jsonl(export(client)) if row["hash"]]
    kept_seq, kept_hash = first[-1]["tenant_seq"], first[-1]["hash"]

    record("member.revoked", tenant=tenant_a.tenant, actor=Actor.member(tenant_a.owner))
    seal_events()
    later = jsonl(export(client, after_seq=kept_seq))
    assert [r["tenant_seq"] for r in later] == list(range(kept_seq + 1, kept_seq + 1 + len(later)))
    assert {r["action"] for r in later} >= {"audit.exported", "member.revoked"}
    assert documented(later, previous_hash=kept_hash) == []
    assert documented(later, previous_hash="f" * 64) != []


def test_filters_by_action_actor_and_time(tenant_a, history):
    client = tenant_a.client(Role.OWNER)
    agent = tenant_a.members[Role.AGENT]

    assert {r["action"] for r in jsonl(export(client, action="auth.*"))} == {
        "auth.login.failed",
        "auth.login.succeeded",
    }
    assert [r["action"] for r in jsonl(export(client, action="member.revoked"))] == [
        "member.revoked"
    ]
    by_member = jsonl(export(client, actor=str(agent.pk)))
    assert [r["action"] for r in by_member] == ["personal_data.read"]
    by_user = jsonl(export(client, actor=f"user:{agent.user.pk}"))
    assert [r["action"] for r in by_user] == ["auth.login.succeeded"]

    later = timezone.now() + dt.timedelta(hours=1)
    assert jsonl(export(client, since=later.isoformat())) == []
    assert jsonl(export(client, until="2000-01-01T00:00:00Z")) == []
    window = jsonl(export(client, since="2000-01-01T00:00:00Z", until=later.isoformat()))
    assert len(window) >= 4


def test_pages_stream_in_order_across_page_boundaries(tenant_a, monkeypatch):
    monkeypatch.setattr("audit.selectors.EXPORT_PAGE", 3)
    start = timezone.now() - dt.timedelta(minutes=10)
    with time_machine.travel(start, tick=False):
        make_events(4, tenant=tenant_a.tenant)  # identical timestamps: the id breaks ties
    make_events(4, tenant=tenant_a.tenant)
    rows = jsonl(export(tenant_a.client(), action="personal_data.read"))
    assert len(rows) == 8 == len({r["id"] for r in rows})
    keys = [(r["created_at"], r["id"]) for r in rows]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2024-13-01T00:00:00Z"}, "until"),
        ({"since": "2024-02-01T00:00:00Z", "until": "2024-01-01T00:00:00Z"}, "since"),
        ({"action": "DROP TABLE"}, "action"),
        ({"actor": "not an actor"}, "actor"),
        ({"format": "xml"}, "format"),
        ({"after_seq": "-1"}, "after_seq"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_invalid_filters_are_a_400_in_the_error_shape(tenant_a, params, field):
    response = tenant_a.client(Role.OWNER).get("/api/v1/audit/events", params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_agents_and_viewers_may_not_export(tenant_a, role):
    client = tenant_a.client(role)
    for params in ({}, {"format": "csv"}):
        response = client.get("/api/v1/audit/events", params)
        assert response.status_code == 403
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == "permission_denied"


def test_anonymous_callers_are_refused(anonymous):
    assert anonymous.get("/api/v1/audit/events").status_code in (401, 403)
