"""The widget's settings page, as its admin reads it."""

import pytest

from conversations.models import Widget
from tenants.models import Role
from web.tests.page_text import page_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Paste this line before </body> on every page"),
        ("fr", "Collez cette ligne avant </body> dans chaque page"),
    ],
)
def test_the_snippet_instructions_name_the_end_of_body_tag(tenant_a, page_as, language, words):
    widget = Widget.objects.create(tenant=tenant_a.tenant, shop=tenant_a.shop)
    page = page_as(Role.ADMIN).get(f"/settings/widget/{widget.id}/", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    assert words in page_text(page.content.decode())
