"""Settings → Retention: the values and bounds, what the next run would delete,
a shorter retention confirmed before it is saved, the last run, in EN and FR."""

import re

import pytest
import time_machine

from audit.models import AuditEvent
from privacy.dsr.models import LegalHold
from privacy.retention.models import RetentionPolicy
from privacy.retention.run import retention_apply
from privacy.retention.selectors import retention_policy_for
from privacy.retention.tests.settings_support import BOUNDS, NOW, old_conversations
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db

URL = "/settings/retention/"


@pytest.fixture(autouse=True)
def clock_and_bounds(settings):
    for name, value in BOUNDS.items():
        setattr(settings, name, value)
    settings.RETENTION_WEBHOOK_DAYS = 31
    with time_machine.travel(NOW, tick=False):
        yield


def count_of(page: str, section: str, kind: str) -> int:
    """The count in the row of ``kind`` of the table in the section ``section``."""
    part = page.split(f'id="{section}"', 1)[1].split("</table>", 1)[0]
    found = re.search(rf'data-kind="{kind}"><td>[^<]*</td><td>(\d+)</td>', part)
    assert found, part
    return int(found.group(1))


def test_the_owner_sees_values_bounds_preview_platform_days_and_the_hold_rule(tenant_a):
    old_conversations(tenant_a, 800, 3)
    old_conversations(tenant_a, 100, 2)
    page = verified_client(tenant_a.owner.user).get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    html = page.content.decode()
    assert f'href="{URL}" aria-current="page"' in html
    assert "Conversations with no activity for 730 days are deleted." in html
    assert "The platform's default (730 days)" in html
    assert "between 30 and 3650 days" in html
    assert "never deleted by retention" in html
    assert count_of(html, "retention-preview", "conversations") == 3
    assert count_of(html, "retention-preview", "messages") == 6
    assert count_of(html, "retention-preview", "contacts") == 3
    assert count_of(html, "retention-preview", "held") == 0
    assert "Processed SMS webhook records</td><td>31 days" in html
    assert "Retention has not run for this workspace yet." in html
    assert 'value="730"' in html


def test_a_longer_retention_is_saved_at_once(tenant_a):
    client = verified_client(tenant_a.owner.user)
    response = client.post(URL, {"inactive_days": "1000", "closed_days": ""})
    assert response.status_code == 302 and response["Location"] == URL
    policy = retention_policy_for(tenant_a.tenant)
    assert (policy.inactive_days, policy.closed_days) == (1000, None)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Retention saved." in page and "Conversations with no activity for 1000 days" in page


def test_a_shorter_retention_shows_what_it_would_delete_and_waits_for_confirmation(tenant_a):
    old_conversations(tenant_a, 800, 1)
    old_conversations(tenant_a, 100, 4)
    old_conversations(tenant_a, 50, 2, status="closed")
    client = verified_client(tenant_a.owner.user)
    response = client.post(URL, {"inactive_days": "90", "closed_days": "45"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="retention-confirm"' in html
    # Under the new values: 1 + 4 inactive, and the 2 closed ones.
    assert count_of(html, "retention-proposed", "conversations") == 7
    assert "Saving will delete 7 conversations at the next run." in html
    # Still under the values in force: the preview below says 1.
    assert count_of(html, "retention-preview", "conversations") == 1
    assert not RetentionPolicy.objects.exists()
    assert not AuditEvent.objects.filter(action="retention.policy_changed").exists()
    response = client.post(URL, {"inactive_days": "90", "closed_days": "45", "confirm": "1"})
    assert response.status_code == 302
    policy = retention_policy_for(tenant_a.tenant)
    assert (policy.inactive_days, policy.closed_days) == (90, 45)
    assert policy.updated_by == tenant_a.owner
    event = AuditEvent.objects.get(action="retention.policy_changed")
    assert event.metadata["inactive_days_after"] == 90 and event.metadata["shorter"] is True
    assert event.actor_member_id == tenant_a.owner.pk and event.ip
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert count_of(page, "retention-preview", "conversations") == 7


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"inactive_days": "10"}, "inactive", "Between 30 and 3650 days."),
        ({"inactive_days": "5000"}, "inactive", "Between 30 and 3650 days."),
        ({"inactive_days": "ninety"}, "inactive", "A whole number of days."),
        ({"inactive_days": ""}, "inactive", "Give a number of days."),
        ({"inactive_days": "90", "closed_days": "10"}, "closed", "Between 30 and 3650 days."),
        ({"inactive_days": "90", "closed_days": "120"}, "closed", "At most the days of the"),
    ],
)
def test_values_out_of_bounds_are_refused_beside_their_field(tenant_a, data, field, message):
    client = verified_client(tenant_a.owner.user)
    for confirm in ("", "1"):
        response = client.post(URL, data | {"confirm": confirm}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        html = response.content.decode()
        error = html.split(f'id="retention-{field}-error"', 1)[1].split("</ul>", 1)[0]
        assert message in error
        assert 'aria-invalid="true"' in html
    assert not RetentionPolicy.objects.exists()


def test_agents_and_viewers_are_refused_admins_and_privacy_officers_may(tenant_a):
    for role in (Role.AGENT, Role.VIEWER):
        client = verified_client(tenant_a.members[role].user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"inactive_days": "30", "confirm": "1"}).status_code == 403
        assert 'href="/settings/retention/"' not in client.get("/settings/tokens/").content.decode()
    assert not RetentionPolicy.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied", outcome="denied").count() == 4
    for role in (Role.ADMIN, Role.PRIVACY):
        client = verified_client(tenant_a.members[role].user)
        assert client.get(URL).status_code == 200
        assert 'href="/settings/retention/"' in client.get("/settings/tokens/").content.decode()


def test_the_page_counts_only_its_own_tenant_and_shows_held_conversations_apart(tenant_a, tenant_b):
    kept = old_conversations(tenant_a, 800, 2)
    old_conversations(tenant_b, 800, 5)
    LegalHold.objects.create(
        tenant=tenant_a.tenant, contact=kept[0].contact, reason="litigation", set_by=tenant_a.owner
    )
    html = verified_client(tenant_a.owner.user).get(URL).content.decode()
    assert count_of(html, "retention-preview", "conversations") == 1
    assert count_of(html, "retention-preview", "held") == 1


def test_the_last_run_is_shown_with_its_time_and_counts(tenant_a):
    old_conversations(tenant_a, 800, 3)
    client = verified_client(tenant_a.owner.user)
    client.post(URL, {"inactive_days": "365", "confirm": "1"})
    retention_apply(tenant_a.tenant)
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert count_of(html, "retention-last-run", "conversations") == 3
    assert count_of(html, "retention-last-run", "messages") == 6
    assert count_of(html, "retention-preview", "conversations") == 0
    last_run = html.split('id="retention-last-run"', 1)[1]
    assert "2027-03-01" in last_run or "1 Mar 2027" in last_run or "Mar. 1, 2027" in last_run


def test_a_workspace_on_the_defaults_sees_its_last_run_too(tenant_a):
    old_conversations(tenant_a, 800, 2)
    retention_apply(tenant_a.tenant)
    html = verified_client(tenant_a.owner.user).get(URL).content.decode()
    assert count_of(html, "retention-last-run", "conversations") == 2


def test_the_page_speaks_french(tenant_a):
    old_conversations(tenant_a, 800, 1)
    client = verified_client(tenant_a.owner.user)
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Conservation des données" in html
    assert "Les conversations sans activité depuis 730 jours sont supprimées." in html
    assert "Ce que la prochaine exécution supprimerait" in html
    assert "Conversations gardées en raison d’un gel juridique" in html
    response = client.post(URL, {"inactive_days": "90"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert "Enregistrer supprimera 1 conversation à la prochaine exécution." in (
        response.content.decode()
    )
    response = client.post(URL, {"inactive_days": "10"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert "Entre 30 et 3650 jours." in response.content.decode()
