import json
from io import StringIO

import pytest
from django.core.management import call_command

from conversations.models import Widget

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_the_demo_shop_a_widget_for_the_demo_pages(client):
    out = StringIO()
    call_command("seed_demo", "--json", stdout=out)
    key = json.loads(out.getvalue())["widget_key"]
    widget = Widget.objects.get(public_key=key)
    assert {"http://127.0.0.1:8000", "http://localhost:8000"} <= set(widget.allowed_origins)
    call_command("seed_demo", stdout=StringIO())
    assert Widget.objects.filter(tenant=widget.tenant).count() == 1
    started = client.post(
        f"/api/widget/v1/{key}/sessions",
        {"age": "adult", "name": "Demo visitor"},
        content_type="application/json",
        HTTP_ORIGIN="http://localhost:8000",
    )
    assert started.status_code == 201
