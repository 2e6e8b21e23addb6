"""Issue 14's path in three browsers: platform security declares an incident in
the console affecting one of two tenants (facts and scope, a preview naming only
that tenant, confirmation, the incident's page with the time left to notify it)
and sends its notice; the affected tenant's privacy member sees the banner,
opens the notice and acknowledges it; the other tenant sees nothing."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.utils import timezone
from playwright.sync_api import expect

from breaches.models import BreachNotice, Incident
from conversations.models import Contact
from platform_staff.demo import demo_platform_staff_ensure
from tenants.demo import demo_tenant_ensure
from tests.browser.factories import widget_conversation
from tests.browser.support import browser_test, console_sign_in, no_problems, sign_in
from web.tests.helpers import authenticator_for, current_code

pytestmark = browser_test

PARIS = "Europe/Paris"


def test_security_declares_an_incident_affecting_one_of_two_tenants(demo, new_page, shot):
    conversation = widget_conversation(demo, name="Lucie Martin", body="My parcel never came")
    # The contact wrote before the breach: it counts among the data subjects.
    Contact.objects.for_tenant(demo.tenant).filter(pk=conversation.contact_id).update(
        created_at=timezone.now() - dt.timedelta(days=1)
    )
    other_workspace = demo_tenant_ensure(name="Other Garage")
    other = other_workspace["tenant"]
    person = demo_platform_staff_ensure()["security"]
    user = person["staff"].user
    user.time_zone = PARIS
    user.save(update_fields=["time_zone"])
    aware = timezone.now() - dt.timedelta(hours=2)
    typed = aware.astimezone(ZoneInfo(PARIS))  # what the person reads on their clock

    page = new_page()
    console_sign_in(page, demo, person)
    page.locator(".subnav").get_by_role("link", name="Incidents").click()
    expect(page.locator("#no-incidents")).to_be_visible()
    page.get_by_role("link", name="Declare an incident").click()

    page.fill("input[name=title]", "Support laptop stolen")
    page.fill("input[name=aware_at]", typed.strftime("%Y-%m-%dT%H:%M"))
    page.check("input[name=natures][value=unauthorised_access]")
    page.check("input[name=properties][value=confidentiality]")
    page.check("input[name=data_categories][value=message_content]")
    page.check("input[name=subject_categories][value=end_users]")
    page.fill("textarea[name=likely_consequences]", "Messages could be read by the thief.")
    page.fill("textarea[name=measures]", "Sessions revoked, disk encryption checked.")
    page.check("input[name=risk_level][value=high]")
    page.check("input[name=scope_kind][value=explicit]")
    page.fill("textarea[name=tenants]", demo.tenant.slug)
    shot(page, "01-facts-and-scope")
    with page.expect_navigation():
        page.get_by_role("button", name="Preview the affected tenants").click()

    rows = page.locator("#preview tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Demo Bakery")
    expect(rows.first.locator("[data-count=subjects]")).to_have_text("1")
    expect(page.locator("main")).not_to_contain_text("Other Garage")
    expect(page.locator("main")).not_to_contain_text("Lucie")
    assert not Incident.objects.exists()
    shot(page, "02-preview")
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm and declare").click()

    expect(page).to_have_url(re.compile(r"/platform/incidents/[0-9a-f-]{36}/$"))
    expect(page.locator("h1")).to_contain_text("INC-")
    row = page.locator(f"#notices tr[data-tenant='{demo.tenant.slug}']")
    expect(row).to_be_visible()
    expect(row.locator(".time-left")).to_contain_text(re.compile(r"2[12] h \d\d min left"))
    expect(page.locator(f"#notices tr[data-tenant='{other.slug}']")).to_have_count(0)
    shot(page, "03-incident")

    incident = Incident.objects.get()
    assert abs(incident.aware_at - aware.replace(second=0, microsecond=0)) < dt.timedelta(minutes=1)
    notices = BreachNotice.objects.dangerously_unscoped(reason="test").filter(incident=incident)
    assert [notice.tenant_id for notice in notices] == [demo.tenant.pk]
    assert not BreachNotice.objects.for_tenant(other).exists()

    # Security sends the notice from the incident's page.
    with page.expect_navigation():
        row.get_by_role("button", name="Send").click()
    expect(row).to_have_attribute("data-state", "sent")
    shot(page, "04-sent")
    no_problems(page)

    # The privacy member sees the banner, reads the notice, acknowledges it.
    privacy = new_page()
    sign_in(privacy, demo, "privacy")
    banner = privacy.locator("#breach-banner")
    expect(banner).to_contain_text(incident.reference)
    with privacy.expect_navigation():
        banner.get_by_role("link", name="Read the notice").click()
    facts = privacy.locator("#notice-facts")
    expect(facts).to_contain_text("Unauthorised access")
    expect(facts).to_contain_text("Sessions revoked, disk encryption checked.")
    expect(facts.locator("[data-count=subjects]")).to_have_text("1")
    shot(privacy, "05-notice")
    with privacy.expect_navigation():
        privacy.get_by_role("button", name="Acknowledge").click()
    expect(privacy.locator("#acknowledged")).to_contain_text("UTC")
    expect(privacy.locator("#breach-banner")).to_have_count(0)
    no_problems(privacy)

    # The other tenant sees nothing: no banner, an empty register, a 404.
    outsider = new_page()
    sign_in_person(outsider, demo.url, other_workspace["people"]["privacy"])
    outsider.goto(demo.url + "/settings/breach-notices/")
    expect(outsider.locator("#breach-register")).to_contain_text(
        "No breach has concerned your workspace."
    )
    expect(outsider.locator("#breach-banner")).to_have_count(0)
    expect(outsider.locator("main")).not_to_contain_text(incident.reference)
    notice = notices.get()
    assert outsider.goto(f"{demo.url}/settings/breach-notices/{notice.pk}/").status == 404
    shot(outsider, "06-other-workspace")


def sign_in_person(page, url: str, person: dict) -> None:
    """Signs a member of another workspace in, the authenticator code included."""
    page.goto(url + "/login/")
    page.fill("input[name=username]", person["email"])
    page.fill("input[name=password]", person["password"])
    with page.expect_navigation():
        page.click("form[action='/login/'] button[type=submit]")
    if "/login/verify/" in page.url:
        page.fill("input[name=code]", current_code(authenticator_for(person["membership"].user)))
        with page.expect_navigation():
            page.click("main form button[type=submit]")
    assert "/login/" not in page.url, page.url
