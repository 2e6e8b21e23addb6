"""Forgotten passwords: a single-use link by email, the same answer for unknown
addresses, rate limits, and audit."""

import re

import pytest
from django.test import Client

from audit.models import AuditEvent
from tenants.models import Role
from web.tests.helpers import sign_in

pytestmark = pytest.mark.django_db


def _request(client, email, **extra):
    return client.post("/password-reset/", {"email": email}, **extra)


def test_a_person_resets_their_password_by_email(
    tenant_a, mailoutbox, django_capture_on_commit_callbacks
):
    agent = tenant_a.members[Role.AGENT].user
    client = Client()
    assert b"Forgot your password?" in client.get("/login/").content
    with django_capture_on_commit_callbacks(execute=True):
        answer = _request(client, agent.email.upper())
    assert answer["Location"] == "/password-reset/sent/"
    [mail] = mailoutbox
    assert mail.to == [agent.email] and "Choose a new Instaply password" in mail.subject
    link = re.search(r"https?://\S+/password-reset/\S+/", mail.body)[0]
    path = link.split("://", 1)[1].split("/", 1)[1]

    form_page = client.get("/" + path, follow=True)
    assert b"new_password1" in form_page.content
    set_url = form_page.redirect_chain[-1][0]
    assert set_url.endswith("/set-password/")  # the token is not in the form's address
    done = client.post(
        set_url,
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
    )
    assert done["Location"] == "/password-reset/done/"
    assert sign_in(Client(), agent, password="a brand new passphrase").status_code == 302
    assert b"invalid, used or expired" in client.get("/" + path, follow=True).content  # used once
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"auth.password_reset.requested", "auth.password_reset.completed"} <= actions


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = _request(Client(), "nobody@nowhere.example")
    assert answer["Location"] == "/password-reset/sent/" and mailoutbox == []


def test_reset_requests_are_rate_limited(tenant_a, settings):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"password_reset_account": "2/h"}
    client = Client()
    email = tenant_a.members[Role.AGENT].user.email
    answers = [_request(client, email).status_code for _ in range(3)]
    assert answers == [302, 302, 429]
