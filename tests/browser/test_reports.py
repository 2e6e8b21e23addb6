"""Reports: an admin opens the reports page from the navigation, reads the
figures and the charts, looks at it by week, and downloads it as CSV.

The week before comes from the backfill (conversations written as they were
before reports existed, then ``reports_backfill``); today's conversation from
the services as staff work it. Each day: a conversation the agent answers
after 5, 10, ... 35 minutes and closes 2 hours after it opened, and one the
admin answers after an hour and leaves open.
"""

import csv
import datetime as dt
import io

from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import Contact, Conversation, Message
from conversations.services import inbox
from conversations.services.messages import message_reply
from tests.browser.factories import widget_conversation
from tests.browser.support import browser_test, no_problems, sign_in

pytestmark = browser_test

DAYS = 7


def _past(demo, *, opened, reply_after, by, closed_after=None):
    contact = Contact(tenant=demo.tenant, name="A customer")
    contact.save(force_insert=True)
    conversation = Conversation.objects.create(
        tenant=demo.tenant, shop=demo.shop, contact=contact, channel="widget",
        endpoint_id=demo.widget.id, created_at=opened, last_activity_at=opened,
        status="closed" if closed_after else "open",
        closed_at=opened + closed_after if closed_after else None,
    )  # fmt: skip
    common = {"tenant": demo.tenant, "conversation": conversation, "contact": contact}
    Message.objects.create(
        **common, direction="inbound", sender_kind="contact", body="Hello?",
        status="received", created_at=opened,
    )  # fmt: skip
    Message.objects.create(
        **common, direction="outbound", sender_kind="member", sender=by, body="Hello!",
        status="delivered", created_at=opened + reply_after,
    )  # fmt: skip


def test_an_admin_reads_the_reports_and_downloads_them(demo, new_page, shot, tmp_path):
    agent = demo.login("agent")["membership"]
    admin = demo.login("admin")["membership"]
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    for day in range(1, DAYS + 1):
        opened = noon - dt.timedelta(days=day)
        _past(
            demo, opened=opened, reply_after=dt.timedelta(minutes=5 * day), by=agent,
            closed_after=dt.timedelta(hours=2),
        )  # fmt: skip
        _past(
            demo, opened=opened + dt.timedelta(minutes=30),
            reply_after=dt.timedelta(hours=1), by=admin,
        )  # fmt: skip
    call_command("reports_backfill")
    # Today, through the services: answered and closed at once.
    today = widget_conversation(demo, name="Lucie Martin", body="Is my cake ready?")
    message_reply(actor=agent, conversation=today, body="Yes, come by!")
    inbox.conversation_set_status(actor=agent, conversation=today, status="closed")

    page = new_page(height=1300)  # the summary and the charts in one picture
    sign_in(page, demo, "admin")
    page.locator(".mainnav").get_by_role("link", name="Reports").click()
    expect(page.locator("h1")).to_have_text("Reports")
    summary = page.locator("#report-summary")
    # 15 opened, 8 closed; first responses 0, 5 ... 35 min and 60 min seven times:
    # median the 8th of 15 (35 min), p90 the 14th (1 h); resolutions 0 and 2 h x 7.
    expect(summary.locator("[data-figure=opened]")).to_have_text("15")
    expect(summary.locator("[data-figure=closed]")).to_have_text("8")
    expect(summary.locator("[data-figure=first-response-median]")).to_have_text("35 min")
    expect(summary.locator("[data-figure=first-response-p90]")).to_have_text("1 h 00 min")
    expect(summary.locator("[data-figure=resolution-median]")).to_have_text("2 h 00 min")
    chart = page.locator("svg#chart-volume")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.series-opened")).to_have_count(
        30
    )  # 30 days, one bar each (0 is a flat bar)
    expect(page.locator("svg#chart-first-response rect.series-median")).to_have_count(DAYS + 1)
    agents = page.locator("#report-agent")
    expect(agents.locator(f"tr[data-key='{admin.pk}'] th")).to_have_text(admin.user.get_full_name())
    expect(
        agents.locator(f"tr[data-key='{admin.pk}'] [data-figure=first-response-median]")
    ).to_have_text("1 h 00 min")
    expect(page.locator("main")).not_to_contain_text("Lucie Martin")
    shot(page, "01-reports", docs="reports")

    page.select_option("#id_by", "week")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    expect(page.locator("#report-period tbody th").first).to_contain_text("Week of")
    expect(summary.locator("[data-figure=opened]")).to_have_text("15")

    with page.expect_download() as download:
        page.locator("#report-csv").click()
    saved = tmp_path / "report.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text())))
    periods = [row for row in rows if row["dimension"] == "period"]
    assert sum(int(row["opened"]) for row in periods) == 15
    assert all(row["key"] for row in periods)  # weeks, by their Monday
    by_agent = {row["key"]: row for row in rows if row["dimension"] == "agent"}
    assert by_agent[str(admin.pk)]["first_response_median_seconds"] == "3600"
    assert by_agent[str(admin.pk)]["label"] == admin.user.get_full_name()
    no_problems(page)
