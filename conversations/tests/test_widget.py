"""The website widget's public API: origins, age gate, tokens, limits."""

import pytest

from conversations.models import Contact, Message, Widget, WidgetVisitor
from tenants.models import Role

pytestmark = pytest.mark.django_db

ORIGIN = "https://shop-a.example"


def _api(client, widget, path, method="post", origin=ORIGIN, token=None, **data):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    if token:
        headers["HTTP_X_VISITOR_TOKEN"] = token
    url = f"/api/widget/v1/{widget.public_key}/{path}"
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, data, content_type="application/json", **headers)


def _start(client, widget, **data):
    data.setdefault("age", "adult")
    response = _api(client, widget, "sessions", **data)
    assert response.status_code == 201, response.json()
    return response.json()["visitor_token"]


def test_a_visitor_starts_writes_and_reads_replies(
    client, tenant_a, widget_a, django_capture_on_commit_callbacks
):
    token = _start(client, widget_a, name="Léa")
    written = _api(client, widget_a, "messages", token=token, body="Do you deliver on Sunday?")
    assert written.status_code == 201
    assert written["Access-Control-Allow-Origin"] == ORIGIN
    conversation_id = (
        tenant_a.client(Role.AGENT).get("/api/v1/conversations").json()["results"][0]["id"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        tenant_a.client(Role.AGENT).post(
            f"/api/v1/conversations/{conversation_id}/messages",
            {"body": "Yes, until noon."},
            format="json",
        )
    thread = _api(client, widget_a, "messages", method="get", token=token).json()["results"]
    assert [(m["direction"], m["body"]) for m in thread] == [
        ("inbound", "Do you deliver on Sunday?"),
        ("outbound", "Yes, until noon."),
    ]
    assert Message.objects.get(direction="outbound").status == "delivered"
    after = _api(client, widget_a, f"messages?after={thread[-1]['id']}", method="get", token=token)
    assert after.json()["results"] == []


def test_other_origins_are_refused(client, widget_a):
    for origin in ("https://evil.example", None):
        response = _api(client, widget_a, "sessions", origin=origin, age="adult")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "origin_not_allowed"
        assert "Access-Control-Allow-Origin" not in response
    assert not Contact.objects.exists()


def test_preflight_answers_only_allowed_origins(client, widget_a):
    url = f"/api/widget/v1/{widget_a.public_key}/messages"
    ok = client.options(url, HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert ok.status_code == 204 and ok["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Visitor-Token" in ok["Access-Control-Allow-Headers"]
    refused = client.options(url, HTTP_ORIGIN="https://evil.example")
    assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused


def test_under_15s_are_refused_and_nothing_is_stored(client, widget_a):
    response = _api(
        client, widget_a, "sessions", age="under-15", name="Tom", email="tom@example.org"
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "age_refused"
    assert not Contact.objects.exists() and not WidgetVisitor.objects.exists()


def test_15_to_17_need_parental_authorisation(client, widget_a):
    refused = _api(client, widget_a, "sessions", age="15-17")
    assert refused.json()["error"]["code"] == "parental_authorisation_required"
    assert not Contact.objects.exists()
    _start(client, widget_a, age="15-17", parental_authorisation=True)
    # The declaration is recorded; replies wait for staff to record it (privacy.minors).
    assert Contact.objects.get().age_status == "minor_unauthorised"


def test_the_age_question_is_required_when_the_gate_is_on(client, widget_a):
    response = _api(client, widget_a, "sessions", age="")
    assert response.status_code == 400


def test_without_the_gate_no_age_is_asked(client, widget_a):
    widget_a.age_gate = False
    widget_a.save()
    token = _api(client, widget_a, "sessions").json()["visitor_token"]
    assert token and Contact.objects.get().age_status == "unknown"


def test_pre_chat_fields_are_required_when_configured(client, widget_a):
    widget_a.pre_chat_fields = ["email"]
    widget_a.save()
    assert _api(client, widget_a, "sessions", age="adult").status_code == 400
    _start(client, widget_a, email="Ann@Example.org")
    assert Contact.objects.get().email == "ann@example.org"


def test_bodies_over_4000_characters_get_a_clear_400(client, widget_a):
    token = _start(client, widget_a)
    response = _api(client, widget_a, "messages", token=token, body="x" * 4001)
    assert response.status_code == 400
    assert "4000" in " ".join(response.json()["error"]["fields"]["body"])
    assert not Message.objects.exists()


def test_a_visitor_token_is_useless_on_another_widget(client, tenant_a, widget_a):
    other = Widget.objects.create(
        tenant=tenant_a.tenant, shop=tenant_a.shop, allowed_origins=[ORIGIN]
    )
    token = _start(client, widget_a)
    response = _api(client, other, "messages", token=token, body="hello")
    assert (
        response.status_code == 403 and response.json()["error"]["code"] == "visitor_token_invalid"
    )
    assert (
        _api(client, other, "messages", body="hello").json()["error"]["code"]
        == "visitor_token_required"
    )


def test_visitors_are_rate_limited(fresh_rate_window, client, widget_a, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "widget_visitor": "3/m"}
    token = _start(client, widget_a)
    codes = [
        _api(client, widget_a, "messages", token=token, body=f"m{i}").status_code for i in range(5)
    ]
    assert codes == [201, 201, 201, 429, 429]
    limited = _api(client, widget_a, "messages", token=token, body="again")
    assert int(limited["Retry-After"]) > 0


def test_sessions_are_rate_limited_per_ip(fresh_rate_window, client, widget_a, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "widget_session": "2/m"}
    codes = [_api(client, widget_a, "sessions", age="adult").status_code for _ in range(3)]
    assert codes == [201, 201, 429]


def test_the_script_is_served_for_active_widgets_only(client, widget_a):
    response = client.get(f"/widget/{widget_a.public_key}.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert widget_a.public_key in response.content.decode()
    assert "innerHTML" not in response.content.decode()
    widget_a.active = False
    widget_a.save()
    assert client.get(f"/widget/{widget_a.public_key}.js").status_code == 404


def test_admins_manage_widgets_and_get_the_snippet(tenant_a):
    client = tenant_a.client(Role.ADMIN)
    created = client.post(
        "/api/v1/widgets",
        {
            "shop": str(tenant_a.shop.id),
            "allowed_origins": ["https://Shop.example/"],
            "pre_chat_fields": ["name"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["allowed_origins"] == ["https://shop.example"]
    assert f"/widget/{body['public_key']}.js" in body["snippet"]
    bad = client.patch(
        f"/api/v1/widgets/{body['id']}", {"allowed_origins": ["shop.example/path"]}, format="json"
    )
    assert bad.status_code == 400
    assert tenant_a.client(Role.AGENT).get("/api/v1/widgets").status_code == 403


def test_a_widget_for_another_tenants_shop_is_refused(tenant_a, tenant_b):
    response = tenant_a.client(Role.ADMIN).post(
        "/api/v1/widgets", {"shop": str(tenant_b.shop.id)}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "shop": ["Nothing with this id in this workspace."]
    }
    assert not Widget.objects.for_tenant(tenant_b.tenant).exists()


def test_a_returning_visitor_with_the_same_email_continues_as_the_same_contact(
    client, tenant_a, widget_a
):
    first = _start(client, widget_a, name="Léa", email="lea@example.org")
    assert _api(client, widget_a, "messages", token=first, body="My order?").status_code == 201
    second = _start(client, widget_a, name="Léa", email=" Lea@Example.org ")
    written = _api(client, widget_a, "messages", token=second, body="Me again.")
    assert written.status_code == 201, written.content
    # One contact, one thread for the shop's staff...
    assert Contact.objects.count() == 1
    assert WidgetVisitor.objects.filter(contact=Contact.objects.get()).count() == 2
    staff = tenant_a.client(Role.AGENT).get("/api/v1/conversations").json()["results"]
    assert len(staff) == 1
    # ...but a typed email proves nothing: the new browser sees only its own chat.
    thread = _api(client, widget_a, "messages", method="get", token=second).json()["results"]
    assert [m["body"] for m in thread] == ["Me again."]
