"""Errors people read are written for them, in their language, and said once:
over the API and on the settings pages."""

import pytest

from conversations.tests.factories import ContactFactory
from tenants.business_hours import business_hours_problems
from tenants.models import Role
from web.tests.helpers import verified_client
from web.tests.page_text import page_text

pytestmark = pytest.mark.django_db

PHONE_HINT = {
    "en": "Enter the number in international format, starting with + and the country code, "
    "e.g. +33 6 12 34 56 78.",
    "fr": "Saisissez le numéro au format international, en commençant par + et l'indicatif "
    "du pays, par exemple +33 6 12 34 56 78.",
}
HOURS_PROBLEM = {
    "en": "Monday: the closing time (09:00) must be after the opening time (18:00).",
    "fr": "Lundi : l'heure de fermeture (09:00) doit être après l'heure d'ouverture (18:00).",
}
LANGUAGES = ["en", "fr"]


def _account(client) -> str:
    body = {"provider": "twilio", "account_ref": "AC" + "5" * 32, "auth_token": "s3cret-token"}
    return client.post("/api/v1/sms-accounts", body, format="json").json()["id"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_number_that_is_not_international_is_explained_over_the_api(tenant_a, language):
    client = tenant_a.client(Role.OWNER)
    body = {"shop": str(tenant_a.shop.id), "account": _account(client), "number": "12345"}
    response = client.post(
        "/api/v1/phone-numbers", body, format="json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == PHONE_HINT[language]
    assert error["fields"] == {"number": [PHONE_HINT[language]]}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_contacts_phone_that_is_not_international_is_explained(tenant_a, language):
    contact = ContactFactory(tenant=tenant_a.tenant)
    response = tenant_a.client(Role.AGENT).patch(
        f"/api/v1/contacts/{contact.id}",
        {"phone": "12345"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"phone": [PHONE_HINT[language]]}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_numbers_page_says_it_once(tenant_a, language):
    browser = verified_client(tenant_a.members[Role.ADMIN].user)
    account = _account(tenant_a.client(Role.OWNER))
    response = browser.post(
        "/settings/numbers/",
        {"number": "12345", "shop": str(tenant_a.shop.id), "account": account},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    text = page_text(response.content.decode())
    assert text.count(PHONE_HINT[language]) == 1
    assert "Missing or invalid default region" not in text


SHOP_FORM = {"name": "Rue du Bac", "time_zone": "Europe/Paris"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_shop_page_says_which_day_and_times_once(tenant_a, language):
    browser = verified_client(tenant_a.members[Role.ADMIN].user)
    response = browser.post(
        f"/settings/shops/{tenant_a.shop.id}/",
        SHOP_FORM | {"mon_1_open": "18:00", "mon_1_close": "09:00"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    text = page_text(response.content.decode())
    assert text.count(HOURS_PROBLEM[language]) == 1
    assert "mon:" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_business_hours_problems_name_the_day_and_the_times(language):
    from django.utils import translation

    with translation.override(language):
        problems = business_hours_problems({"mon": [["18:00", "09:00"]]})
    assert [(p.message, p.day, p.opening) for p in problems] == [
        (HOURS_PROBLEM[language], "mon", 0)
    ]
