"""The SMS simulator speaks Twilio to the real twilio SDK, calls webhooks signed
as Twilio signs them, and obeys its control API. Vonage: test_simulator_vonage.py."""

import http.client
import logging
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from channels_sms.segments import segment_count, split_parts
from channels_sms.simulator import (
    TwilioSimulatorHttpClient,
    twilio_client_for,
    twilio_signature,
)
from channels_sms.tests.simulator_support import (  # noqa: F401 - pytest fixtures
    OTHER_SHOP,
    PHONE,
    SHOP,
    call,
    documented_twilio_signature,
    receiver_fixture,
    simulator_fixture,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def account(simulator, receiver):
    return simulator.add_account(
        provider="twilio",
        numbers=[SHOP],
        messaging_services={"MG" + "1" * 32: [OTHER_SHOP]},
        api_keys={"SK" + "2" * 32: "key-secret"},
        inbound_webhook_url=receiver.url("/webhooks/twilio/inbound?shop=main"),
    )


@pytest.fixture
def client(simulator, account):
    return twilio_client_for(simulator.url, account.sid, account.secret)


def assert_signed_by_twilio(request, auth_token: str):
    signature = request.headers["x-twilio-signature"]
    assert RequestValidator(auth_token).validate(request.url, request.params, signature)
    assert signature == documented_twilio_signature(auth_token, request.url, request.params)
    assert not RequestValidator("not-the-token").validate(request.url, request.params, signature)


# Sending through the real SDK


def test_the_twilio_sdk_sends_through_the_simulator(simulator, client, account):
    message = client.messages.create(to=PHONE, from_=SHOP, body="Your shoes are ready")

    assert re.fullmatch(r"SM[0-9a-f]{32}", message.sid)
    assert (message.status, message.to, message.from_) == ("queued", PHONE, SHOP)
    assert message.num_segments == "1"
    assert message.account_sid == account.sid
    assert message.uri == f"/2010-04-01/Accounts/{account.sid}/Messages/{message.sid}.json"
    [recorded] = simulator.messages(to=PHONE)
    assert (recorded["sid"], recorded["body"]) == (message.sid, "Your shoes are ready")


def test_media_urls_make_an_mms(simulator, client):
    urls = ["https://example.com/a.jpg", "https://example.com/b.png"]
    message = client.messages.create(to=PHONE, from_=SHOP, media_url=urls)

    assert (message.sid[:2], message.num_media, message.body) == ("MM", "2", "")
    assert [m["url"] for m in simulator.messages()[0]["media"]] == urls


def test_the_sdk_fetches_and_lists_messages(simulator, client):
    first = client.messages.create(to=PHONE, from_=SHOP, body="one")
    second = client.messages.create(to="+33699999999", from_=SHOP, body="two")

    assert client.messages(first.sid).fetch().body == "one"
    assert [m.sid for m in client.messages.list()] == [second.sid, first.sid]
    assert [m.sid for m in client.messages.list(to=PHONE)] == [first.sid]
    assert [m.sid for m in client.messages.list(page_size=1)] == [second.sid, first.sid]
    with pytest.raises(TwilioRestException) as raised:
        client.messages("SM" + "0" * 32).fetch()
    assert (raised.value.status, raised.value.code) == (404, 20404)


def test_wrong_credentials_are_refused_like_twilio(simulator, account):
    wrong_token = twilio_client_for(simulator.url, account.sid, "0" * 32)
    unknown = twilio_client_for(simulator.url, "AC" + "9" * 32, account.secret)

    for client in (wrong_token, unknown):
        with pytest.raises(TwilioRestException) as raised:
            client.messages.create(to=PHONE, from_=SHOP, body="hello")
        assert (raised.value.status, raised.value.code) == (401, 20003)
    assert simulator.messages() == []


def test_an_api_key_of_the_account_authenticates(simulator, account):
    client = twilio_client_for(
        simulator.url, account.sid, "", api_key=("SK" + "2" * 32, "key-secret")
    )
    assert client.messages.create(to=PHONE, from_=SHOP, body="hi").status == "queued"

    wrong = twilio_client_for(simulator.url, account.sid, "", api_key=("SK" + "2" * 32, "nope"))
    with pytest.raises(TwilioRestException):
        wrong.messages.create(to=PHONE, from_=SHOP, body="hi")


def test_injected_faults_answer_first_then_service_resumes(simulator, client):
    simulator.add_fault(count=1, status=500)
    simulator.add_fault(count=1, status=429)

    for status, code in ((500, 20500), (429, 20429)):
        with pytest.raises(TwilioRestException) as raised:
            client.messages.create(to=PHONE, from_=SHOP, body="retry me")
        assert (raised.value.status, raised.value.code) == (status, code)
    assert client.messages.create(to=PHONE, from_=SHOP, body="retry me").status == "queued"
    assert len(simulator.messages()) == 1


def test_a_fault_window_answers_every_send_until_it_ends_taking_turns(simulator, client):
    # The fault suite's provider outage: 500s and (held) 503s in turn, for a window.
    simulator.add_fault(status=500, seconds=60)
    simulator.add_fault(status=503, seconds=60, delay=0.2)
    statuses = []
    for _ in range(4):
        with pytest.raises(TwilioRestException) as raised:
            client.messages.create(to=PHONE, from_=SHOP, body="retry me")
        statuses.append(raised.value.status)
    assert statuses == [500, 503, 500, 503]
    assert simulator.messages() == []  # nothing was accepted during the window

    for fault in simulator.state.faults():
        fault.until = 0  # the window is over
    assert client.messages.create(to=PHONE, from_=SHOP, body="retry me").status == "queued"
    assert simulator.state.faults() == []


def test_a_slow_provider_accepts_after_holding_the_answer(simulator, client):
    simulator.add_fault(count=1, status=201, delay=0.1, provider="twilio")
    assert client.messages.create(to=PHONE, from_=SHOP, body="slow").status == "queued"
    assert len(simulator.messages()) == 1


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"to": "", "from_": SHOP, "body": "x"}, 21604),
        ({"to": "12ab", "from_": SHOP, "body": "x"}, 21211),
        ({"to": PHONE, "body": "x"}, 21603),
        ({"to": PHONE, "from_": "+15005559999", "body": "x"}, 21606),
        ({"to": PHONE, "from_": SHOP, "body": ""}, 21602),
        ({"to": PHONE, "from_": SHOP, "body": "x" * 1601}, 21617),
        ({"to": PHONE, "from_": SHOP, "body": "x", "status_callback": "ftp://x"}, 21609),
    ],
)
def test_invalid_sends_get_twilio_error_codes(client, fields, code):
    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(**fields)
    assert (raised.value.status, raised.value.code) == (400, code)


def test_a_body_of_1600_characters_is_accepted_in_segments(client):
    message = client.messages.create(to=PHONE, from_=SHOP, body="x" * 1600)
    assert message.num_segments == str(-(-1600 // 153))


def test_a_phone_that_texted_stop_cannot_be_texted_until_start(simulator, client, account):
    simulator.inject_inbound(from_=PHONE, to=SHOP, body="Stop ")
    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(to=PHONE, from_=SHOP, body="Sale!")
    assert (raised.value.status, raised.value.code) == (400, 21610)

    simulator.inject_inbound(from_=PHONE, to=SHOP, body="START")
    assert client.messages.create(to=PHONE, from_=SHOP, body="Welcome back").status == "queued"


# Status callbacks


def test_status_callbacks_arrive_in_order_signed_over_the_exact_url(
    simulator, client, account, receiver
):
    callback = receiver.url("/webhooks/twilio/status?message=42")
    message = client.messages.create(to=PHONE, from_=SHOP, body="hi", status_callback=callback)

    sent, delivered = receiver.wait_for(2, path="/webhooks/twilio/status")
    assert [sent.form["MessageStatus"], delivered.form["MessageStatus"]] == ["sent", "delivered"]
    assert sent.url == callback
    assert delivered.form == {
        "AccountSid": account.sid,
        "ApiVersion": "2010-04-01",
        "From": SHOP,
        "MessageSid": message.sid,
        "MessageStatus": "delivered",
        "SmsSid": message.sid,
        "SmsStatus": "delivered",
        "To": PHONE,
    }
    for request in (sent, delivered):
        assert_signed_by_twilio(request, account.secret)
    assert client.messages(message.sid).fetch().status == "delivered"
    assert [d["status"] for d in simulator.deliveries(kind="status")] == [200, 200]


@pytest.mark.parametrize(
    ("rule", "statuses", "code"),
    [
        ({"outcome": "undelivered"}, ["sent", "undelivered"], "30003"),
        ({"outcome": "failed"}, ["failed"], "30008"),
        ({"outcome": "undelivered", "error_code": 30006}, ["sent", "undelivered"], "30006"),
    ],
)
def test_a_destination_rule_makes_delivery_fail(simulator, client, receiver, rule, statuses, code):
    simulator.set_destination(PHONE, **rule)
    callback = receiver.url("/status")
    message = client.messages.create(to=PHONE, from_=SHOP, body="hi", status_callback=callback)

    requests = receiver.wait_for(len(statuses), path="/status")
    assert [r.form["MessageStatus"] for r in requests] == statuses
    assert requests[-1].form["ErrorCode"] == code
    assert "ErrorCode" not in requests[0].form or len(requests) == 1
    assert client.messages(message.sid).fetch().error_code == int(code)


def test_a_rejected_destination_is_refused_at_send_time(simulator, client):
    simulator.set_destination(PHONE, outcome="rejected", error_code=21614)
    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(to=PHONE, from_=SHOP, body="hi")
    assert raised.value.code == 21614


def test_a_messaging_service_send_is_accepted_then_queued(simulator, client, account, receiver):
    service = "MG" + "1" * 32
    callback = receiver.url("/status")
    message = client.messages.create(
        to=PHONE, messaging_service_sid=service, body="hi", status_callback=callback
    )

    # Twilio picks the sender from the service's pool after accepting the message.
    assert (message.status, message.from_, message.messaging_service_sid) == (
        "accepted",
        None,
        service,
    )
    requests = receiver.wait_for(3, path="/status")
    assert [r.form["MessageStatus"] for r in requests] == ["queued", "sent", "delivered"]
    assert {r.form["MessagingServiceSid"] for r in requests} == {service}
    assert {r.form["From"] for r in requests} == {OTHER_SHOP}
    assert client.messages(message.sid).fetch().from_ == OTHER_SHOP


def test_the_account_status_callback_url_is_the_fallback(simulator, receiver):
    account = simulator.add_account(provider="twilio", status_callback_url=receiver.url("/fb"))
    client = twilio_client_for(simulator.url, account.sid, account.secret)
    client.messages.create(to=PHONE, from_=SHOP, body="hi")
    assert len(receiver.wait_for(2, path="/fb")) == 2


# Inbound texts


def test_an_injected_text_reaches_the_webhook_signed_like_twilio(simulator, account, receiver):
    answer = simulator.inject_inbound(from_=PHONE, to=SHOP, body="Are you open on Sunday?")

    [request] = receiver.wait_for(1)
    assert request.url == account.inbound_webhook_url
    assert_signed_by_twilio(request, account.secret)
    params = request.form
    assert re.fullmatch(r"SM[0-9a-f]{32}", params["MessageSid"])
    assert params["SmsSid"] == params["SmsMessageSid"] == params["MessageSid"]
    assert {k: params[k] for k in ("From", "To", "Body", "AccountSid", "NumMedia")} == {
        "From": PHONE,
        "To": SHOP,
        "Body": "Are you open on Sunday?",
        "AccountSid": account.sid,
        "NumMedia": "0",
    }
    assert (params["SmsStatus"], params["ApiVersion"]) == ("received", "2010-04-01")
    assert (params["FromCountry"], params["ToCountry"]) == ("FR", "US")
    assert "MessagingServiceSid" not in params
    assert answer["status"] == 200
    assert answer["body"].endswith("<Response/>")
    assert answer["message"]["sid"] == params["MessageSid"]


def test_an_injected_mms_carries_its_media(simulator, account, receiver):
    media = [
        {"url": "https://example.com/receipt.jpg", "content_type": "image/jpeg"},
        {"url": "https://example.com/note.pdf", "content_type": "application/pdf"},
    ]
    simulator.inject_inbound(from_=PHONE, to=SHOP, body="", media=media)

    params = receiver.wait_for(1)[0].form
    assert params["MessageSid"].startswith("MM")
    assert params["NumMedia"] == "2"
    assert params["MediaUrl1"] == "https://example.com/note.pdf"
    assert params["MediaContentType0"] == "image/jpeg"


def test_a_text_to_a_pooled_number_names_its_messaging_service(simulator, account, receiver):
    simulator.inject_inbound(from_=PHONE, to=OTHER_SHOP, body="hi")
    assert receiver.wait_for(1)[0].form["MessagingServiceSid"] == "MG" + "1" * 32


def test_a_get_webhook_is_signed_over_its_full_url(simulator, receiver):
    account = simulator.add_account(
        provider="twilio", webhook_method="GET", inbound_webhook_url=receiver.url("/in?a=1")
    )
    simulator.inject_inbound(from_=PHONE, to=SHOP, body="a&b=c")

    [request] = receiver.wait_for(1)
    assert (request.method, request.query["Body"], request.query["a"]) == ("GET", "a&b=c", "1")
    signature = request.headers["x-twilio-signature"]
    assert RequestValidator(account.secret).validate(request.url, {}, signature)


def test_the_webhook_answer_is_reported_even_when_it_fails(simulator, account, receiver):
    receiver.answer = (503, "text/plain", b"down for maintenance")
    answer = simulator.inject_inbound(from_=PHONE, to=SHOP, body="hello?")
    assert (answer["status"], answer["body"]) == (503, "down for maintenance")


# Control API over HTTP


def test_the_control_api_drives_a_whole_exchange(simulator, receiver):
    base = simulator.url
    status, account = call(
        base,
        "POST",
        "/_sim/accounts",
        {
            "provider": "twilio",
            "numbers": [SHOP],
            "inbound_webhook_url": receiver.url("/in"),
            "status_callback_url": receiver.url("/status"),
        },
    )
    assert status == 201 and account["sid"].startswith("AC")
    status, answer = call(base, "POST", "/_sim/inbound", {"from": PHONE, "to": SHOP, "body": "Hi"})
    assert (status, answer["status"]) == (200, 200)

    client = twilio_client_for(base, account["sid"], account["secret"])
    assert call(base, "POST", "/_sim/faults", {"count": 1, "status": 503})[0] == 201
    with pytest.raises(TwilioRestException):
        client.messages.create(to=PHONE, from_=SHOP, body="Hello!")
    reply = client.messages.create(to=PHONE, from_=SHOP, body="Hello!")

    _, view = call(base, "GET", f"/_sim/phones/{PHONE}/messages")
    assert [(m["direction"], m["body"], m["shop_number"]) for m in view["messages"]] == [
        ("from_phone", "Hi", SHOP),
        ("to_phone", "Hello!", SHOP),
    ]
    # An unescaped `+` in a query string arrives as a space: still understood.
    _, listed = call(base, "GET", f"/_sim/messages?to={PHONE}&direction=outbound")
    assert [m["sid"] for m in listed["messages"]] == [reply.sid]
    _, delivered = call(base, "GET", "/_sim/deliveries?kind=status&wait=5&count=2")
    assert [d["params"]["MessageStatus"] for d in delivered["deliveries"]] == ["sent", "delivered"]

    assert call(base, "POST", "/_sim/reset", {})[0] == 204
    assert call(base, "GET", "/_sim/messages")[1]["messages"] == []
    assert len(call(base, "GET", "/_sim/accounts")[1]["accounts"]) == 1


def test_a_long_poll_returns_as_soon_as_a_message_arrives(simulator, client):
    since = call(simulator.url, "GET", "/_sim/messages")[1]["last_seq"]
    timer = threading.Timer(
        0.2, client.messages.create, kwargs={"to": PHONE, "from_": SHOP, "body": "x"}
    )
    timer.start()
    started = time.monotonic()
    _, found = call(simulator.url, "GET", f"/_sim/messages?since={since}&wait=10")
    assert len(found["messages"]) == 1
    assert time.monotonic() - started < 5


def test_messages_can_be_listed_since_a_seq_or_a_time(simulator, client):
    client.messages.create(to=PHONE, from_=SHOP, body="before")
    _, listed = call(simulator.url, "GET", "/_sim/messages")
    cursor, moment = listed["last_seq"], listed["messages"][0]["created_at"]
    client.messages.create(to=PHONE, from_=SHOP, body="after")

    for since in (cursor, moment):
        _, later = call(simulator.url, "GET", f"/_sim/messages?since={since}")
        assert [m["body"] for m in later["messages"]] == ["after"]


def test_a_reset_drops_callbacks_still_pending(simulator, client, receiver, caplog):
    simulator.status_delay = 0.2
    client.messages.create(to=PHONE, from_=SHOP, body="hi", status_callback=receiver.url("/s"))
    simulator.reset()
    # A message sent after the reset, with the same delay: its callbacks are due
    # after the dropped ones, and its last one ("delivered") leaves only once its
    # first has been answered. When it has arrived, the dropped ones would have too.
    client.messages.create(to=PHONE, from_=SHOP, body="hi", status_callback=receiver.url("/s2"))
    after = receiver.wait_for(2, path="/s2")
    assert [r.params["MessageStatus"] for r in after] == ["sent", "delivered"]
    assert [r.url for r in receiver.requests if r.url.endswith("/s")] == []
    assert [d["url"] for d in simulator.deliveries() if d["url"].endswith("/s")] == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_chunked_request_is_refused_without_hanging(simulator):
    connection = http.client.HTTPConnection("127.0.0.1", int(simulator.url.rsplit(":", 1)[1]))
    # Headers only: the simulator must answer before any chunk arrives (sending a
    # chunk too would race its close and make the test flaky with a broken pipe).
    connection.putrequest("POST", "/_sim/inbound")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    response = connection.getresponse()
    assert (response.status, response.getheader("Connection")) == (411, "close")


@pytest.mark.parametrize(
    ("method", "path", "payload", "status"),
    [
        ("POST", "/_sim/accounts", {"provider": "sms-r-us"}, 400),
        ("POST", "/_sim/accounts", {"numbers": ["not a number"]}, 400),
        ("POST", "/_sim/faults", {"count": 0}, 400),
        ("POST", "/_sim/faults", {"seconds": -1}, 400),
        ("POST", "/_sim/faults", {"delay": "long"}, 400),
        ("POST", "/_sim/faults", {"status": 201}, 400),  # a Twilio-only answer
        ("POST", "/_sim/faults", {"status": 200, "code": 1}, 400),  # a Vonage-only answer
        ("GET", "/_sim/messages?since=yesterday", None, 400),
        ("PUT", f"/_sim/destinations/{PHONE}", {"outcome": "lost"}, 400),
        ("POST", "/_sim/inbound", {"from": PHONE, "to": SHOP, "body": "x"}, 404),
        ("POST", "/_sim/inbound", {"from": "nobody", "to": SHOP, "body": "x"}, 400),
        ("GET", "/_sim/messages/SMnope", None, 404),
        ("DELETE", "/_sim/messages", None, 405),
        ("GET", "/nowhere", None, 404),
    ],
)
def test_the_control_api_says_what_is_wrong(simulator, method, path, payload, status):
    answer_status, body = call(simulator.url, method, path, payload)
    assert answer_status == status
    assert body["error"]


# Clients, signing, segments


def test_the_client_rewrites_every_twilio_host_and_nothing_else(simulator, account):
    http_client = TwilioSimulatorHttpClient(simulator.url)
    path = f"/2010-04-01/Accounts/{account.sid}/Messages.json"
    auth = (account.sid, account.secret)

    response = http_client.request("GET", "https://api.dublin.ie1.twilio.com" + path, auth=auth)
    assert response.status_code == 200
    with pytest.raises(requests.exceptions.ConnectionError):
        http_client.request("GET", "http://127.0.0.1:9/" + path, auth=auth, timeout=1)


def test_a_proxy_configured_on_the_machine_is_bypassed(simulator, account, receiver, monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    client = twilio_client_for(simulator.url, account.sid, account.secret)
    client.messages.create(to=PHONE, from_=SHOP, body="hi", status_callback=receiver.url("/s"))
    assert simulator.inject_inbound(from_=PHONE, to=SHOP, body="hi")["status"] == 200
    assert len(receiver.wait_for(2, path="/s")) == 2


def test_twilio_signature_matches_the_documented_algorithm():
    url, params = "https://shop.example/sms?x=1", {"Body": "Hi & bye", "From": PHONE, "To": SHOP}
    expected = documented_twilio_signature("token", url, params)
    assert twilio_signature("token", url, params) == expected
    assert twilio_signature("token", url, {**params, "Body": "Hi"}) != expected


@pytest.mark.parametrize(
    ("text", "segments", "part_lengths"),
    [
        ("a" * 160, 1, [160]),
        ("a" * 161, 2, [153, 8]),
        ("€" * 80, 1, [80]),  # extension characters take two septets: 160 in all
        ("€" * 81, 2, [76, 5]),
        ("é" * 160, 1, [160]),  # é is in the GSM basic alphabet
        ("ą" * 70, 1, [70]),
        ("ą" * 71, 2, [67, 4]),
        ("😀" * 35, 1, [35]),  # surrogate pairs: two UCS-2 units each
        ("😀" * 36, 2, [33, 3]),
    ],
)
def test_texts_split_into_sms_segments(text, segments, part_lengths):
    assert segment_count(text) == segments
    assert [len(part) for part in split_parts(text)] == part_lengths
    assert "".join(split_parts(text)) == text


def _start(command: list[str]) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
    lines = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()))
    reader.start()
    reader.join(timeout=30)
    match = re.search(r"http://127\.0\.0\.1:\d+", "".join(lines))
    if match is None:
        process.kill()
        pytest.fail(f"{command} did not announce its URL: {lines}")
    return process, match.group(0)


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "channels_sms.simulator", "--port", "0"],
        [sys.executable, "manage.py", "run_simulator", "--port", "0"],
    ],
)
def test_the_simulator_runs_as_a_process(command):
    process, url = _start(command)
    try:
        status, overview = call(url, "GET", "/_sim/")
        assert (status, overview["simulator"]) == (200, "instaply-sms")
    finally:
        process.terminate()
        process.wait(timeout=10)
