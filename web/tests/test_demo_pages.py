"""The development demo: its landing page and links, the phone, the shop site;
never in production."""

import re

import pytest
from django.test import Client

from channels_sms.demo import demo_numbers_ensure
from conversations.demo import demo_inbox_ensure
from tenants.demo import demo_password, demo_tenant_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.ENVIRONMENT = "development"
    seeded = demo_tenant_ensure(name="Demo Bakery")
    demo_numbers_ensure(tenant=seeded["tenant"], shop=seeded["shop"])
    demo_inbox_ensure(shop=seeded["shop"])
    return seeded


def test_make_run_lands_on_the_demo_page_and_every_link_on_it_works(demo, settings):
    settings.DEMO_LANDING = True  # what `make run` has (with DEBUG off)
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    browser = Client(HTTP_HOST="127.0.0.1:8000")
    landing = browser.get("/")
    html = landing.content.decode()
    assert landing.status_code == 200 and "Instaply demo" in html
    for role in ("owner", "admin", "agent", "viewer", "privacy"):
        email = f"{role}@demo-bakery.example"
        assert email in html and demo_password(email) in html
    assert len(re.findall(r"<code data-code>\d{6}</code>", html)) == 3  # owner, admin, privacy
    links = re.findall(r'<a href="([^"]+)"', html)
    assert {"/login/", "/demo/phone", "http://localhost:8000/demo/shop", "/api/docs/"} <= set(links)
    for link in links:
        host = "localhost:8000" if "localhost" in link else "127.0.0.1:8000"
        path = link.split(":8000", 1)[-1]
        answer = Client(HTTP_HOST=host).get(path, follow=True)
        assert answer.status_code == 200, link


def test_the_demo_logins_sign_in(demo, client, settings):
    agent = demo["people"]["agent"]
    signed = client.post("/login/", {"username": agent["email"], "password": agent["password"]})
    assert signed.status_code == 302 and client.get("/inbox/").status_code == 200


def test_the_demo_never_exists_in_production(demo, settings):
    settings.ENVIRONMENT, settings.PRODUCTION, settings.DEBUG = "production", True, False
    client = Client()
    for path in ("/demo/", "/demo/phone", "/demo/phone/texts", "/demo/shop"):
        assert client.get(path).status_code == 404, path
    assert client.get("/")["Location"].startswith("/login/")  # no landing page either


def test_the_landing_page_is_at_the_root_only_with_debug(demo, settings):
    settings.DEBUG = False  # tests, staging...
    assert Client().get("/")["Location"].startswith("/login/")
    assert Client().get("/demo/").status_code == 200


def test_the_shop_site_embeds_the_widget_from_another_origin(demo, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    moved = Client(HTTP_HOST="127.0.0.1:8000").get("/demo/shop")
    assert moved["Location"] == "http://localhost:8000/demo/shop"
    page = Client(HTTP_HOST="localhost:8000").get("/demo/shop")
    widget = demo_inbox_ensure(shop=demo["shop"])
    assert f'<script src="http://127.0.0.1:8000/widget/{widget.public_key}.js" async>' in (
        page.content.decode()
    )
    policy = page["Content-Security-Policy"]
    assert "script-src 'self' http://127.0.0.1:8000;" in policy
    assert "connect-src 'self' http://127.0.0.1:8000" in policy
    assert "'unsafe-inline'" not in re.search(r"script-src ([^;]+)", policy)[1]
    assert "http://localhost:8000" in widget.allowed_origins


def test_the_phone_says_when_the_simulator_is_not_running(demo, settings):
    settings.SMS_SIMULATOR_URL = "http://127.0.0.1:9"  # discard port: nothing answers
    client = Client()
    page = client.get("/demo/phone").content.decode()
    assert "does not answer at http://127.0.0.1:9" in page
    number = demo["shop"]  # any id: the number is checked before the simulator is called
    sent = client.post(
        "/demo/phone", {"from": "+33612345678", "to": str(number.id), "body": "Hi"}, follow=True
    )
    assert b"Choose a shop number and write a text." in sent.content
    wrong = client.post("/demo/phone", {"from": "hello", "to": "", "body": "Hi"}, follow=True)
    assert b"country code" in wrong.content
