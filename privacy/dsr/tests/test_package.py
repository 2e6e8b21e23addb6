"""The access package: what it holds, how it is written, and that it streams."""

import csv
import datetime as dt
import gc
import hashlib
import io
import json
import os
import stat
import tracemalloc
import zipfile

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from audit.recorder import record
from conversations.models import Message
from instaply.errors import Conflict
from privacy.consent.services import (
    consent_give,
    consent_record,
    consent_record_for_subject,
    consent_sms_keyword,
)
from privacy.dsr import package, package_schema
from privacy.dsr.models import AccessPackage
from privacy.dsr.package import PACKAGE_BUILT, build_access_package, package_path
from privacy.dsr.tests.package_support import access_request, add_messages, add_note, subject
from tenants.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def package_storage(settings, tmp_path):
    settings.PRIVACY_PACKAGE_DIR = tmp_path / "packages"
    return settings.PRIVACY_PACKAGE_DIR


def build(dsr, contact, reports=None):
    return build_access_package(dsr, contact, (reports if reports is not None else []).append)


def entries(package) -> dict[str, bytes]:
    with zipfile.ZipFile(package_path(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture
def history(tenant_a):
    """The subject (two conversations' worth of data) and another contact of the tenant."""
    contact, conversation = subject(tenant_a.tenant, tenant_a.shop, email="elodie@example.org")
    contact.opted_out_channels = ["sms"]
    contact.privacy_policy_version = "2026-01"
    contact.save(update_fields=["opted_out_channels", "privacy_policy_version"])
    add_messages(conversation, 5)
    picture = Message(
        tenant_id=tenant_a.tenant.pk,
        conversation=conversation,
        contact_id=contact.pk,
        direction="inbound",
        sender_kind="contact",
        status="received",
        body="here is the receipt",
        attachments=[{"url": "https://media.example/r.jpg", "content_type": "image/jpeg"}],
    )
    picture.save()
    add_note(conversation, "called back about the refund")
    other, other_conversation = subject(
        tenant_a.tenant, tenant_a.shop, name="Someone Else", phone="+33699999999"
    )
    add_messages(other_conversation, 3, body=lambda i: f"other person's secret {i}")
    add_note(other_conversation, "other person's note")
    record("contact.updated", tenant=tenant_a.tenant, target=("contact", contact.pk))
    record("message.sent", tenant=tenant_a.tenant, target=("message", picture.pk))
    record("contact.updated", tenant=tenant_a.tenant, target=("contact", other.pk))
    return contact, conversation, picture, other


def test_the_package_holds_every_kind_of_record_of_the_subject_and_nothing_else(tenant_a, history):
    contact, conversation, picture, other = history
    dsr = access_request(tenant_a.tenant, contact)
    reports = []

    counts = build(dsr, contact, reports)

    assert counts == {
        "contacts": 1,
        "conversations": 1,
        "messages": 6,
        "notes": 1,
        "attachments": 1,
        "files": 0,
        "consent_entries": 0,
        "audit_events": 2,
    }
    package = AccessPackage.objects.for_tenant(tenant_a.tenant).get(request=dsr)
    files = entries(package)
    assert set(files) == {
        "contact.json",
        "conversations.json",
        "messages.json",
        "notes.json",
        "attachments.json",
        "files.json",
        "consent.json",
        "consent_ledger.json",
        "audit_events.json",
        "schema.json",
        "index.html",
    }
    data = {name: json.loads(body) for name, body in files.items() if name.endswith(".json")}
    assert data["contact.json"]["name"] == "Élodie Martin"
    assert data["contact.json"]["email"] == "elodie@example.org"
    assert data["contact.json"]["phone"] == "+33612345678"
    assert [c["id"] for c in data["conversations.json"]] == [str(conversation.pk)]
    messages = data["messages.json"]
    assert [m["body"] for m in messages[:5]] == [f"message {i} of the subject" for i in range(5)]
    assert {m["channel"] for m in messages} == {"sms"}
    assert {m["direction"] for m in messages} == {"inbound", "outbound"}
    assert all(m["created_at"] and m["status"] for m in messages)
    assert data["notes.json"][0]["body"] == "called back about the refund"
    assert data["attachments.json"] == [
        {
            "message_id": str(picture.pk),
            "conversation_id": str(conversation.pk),
            "position": 0,
            "url": "https://media.example/r.jpg",
            "content_type": "image/jpeg",
        }
    ]
    assert data["consent.json"]["opted_out_channels"] == ["sms"]
    assert data["consent.json"]["privacy_policy_version"] == "2026-01"
    assert data["consent.json"]["processing_restricted"] is False
    assert {(e["target_kind"], e["target_id"]) for e in data["audit_events.json"]} == {
        ("contact", str(contact.pk)),
        ("message", str(picture.pk)),
    }
    # Nothing of the other contact, in any file.
    everything = b"".join(files.values()).decode()
    assert "other person" not in everything
    assert "Someone Else" not in everything and "+33699999999" not in everything
    assert str(other.pk) not in everything
    # schema.json describes every file it sits beside, and the counts.
    schema = data["schema.json"]
    assert set(schema["files"]) == set(files)
    assert all(schema["files"][name]["description"] for name in files)
    assert schema["counts"] == counts
    # Progress went up to 100.
    assert reports == sorted(reports) and reports[-1] == 100


def test_the_package_file_is_private_random_named_and_recorded(tenant_a, history):
    contact = history[0]
    dsr = access_request(tenant_a.tenant, contact)
    before = timezone.now()

    counts = build(dsr, contact)

    package = AccessPackage.objects.for_tenant(tenant_a.tenant).get(request=dsr)
    path = package_path(package)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert package.storage_name.endswith(".zip") and len(package.storage_name) == 36
    assert str(dsr.pk) not in package.storage_name and "612345678" not in package.storage_name
    assert package.size == path.stat().st_size
    assert package.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert before + dt.timedelta(days=7) <= package.expires_at <= timezone.now() + dt.timedelta(7)
    assert list(path.parent.iterdir()) == [path]  # no temporary file left
    event = AuditEvent.objects.for_tenant(tenant_a.tenant).get(action=PACKAGE_BUILT)
    assert (event.target_kind, event.target_id) == ("dsr", str(dsr.pk))
    assert event.metadata["messages"] == counts["messages"] == 6
    assert event.metadata["size"] == package.size


def test_portability_adds_a_csv_whose_formulas_are_neutralised(tenant_a):
    contact, conversation = subject(tenant_a.tenant, tenant_a.shop)
    bodies = ['=HYPERLINK("http://evil.example","x")', "+33 1 23", "-2+3", "@SUM(A1)", "plain"]
    add_messages(conversation, len(bodies), body=lambda i: bodies[i])
    dsr = access_request(tenant_a.tenant, contact, request_type="portability")

    build(dsr, contact)

    files = entries(AccessPackage.objects.for_tenant(tenant_a.tenant).get(request=dsr))
    assert "messages.csv" in json.loads(files["schema.json"])["files"]
    rows = list(csv.DictReader(io.StringIO(files["messages.csv"].decode())))
    assert [row["body"] for row in rows] == [
        '\'=HYPERLINK("http://evil.example","x")',
        "'+33 1 23",
        "'-2+3",
        "'@SUM(A1)",
        "plain",
    ]
    assert {row["channel"] for row in rows} == {"sms"}
    # The JSON keeps the text as written: it is data, not a spreadsheet.
    assert [m["body"] for m in json.loads(files["messages.json"])] == bodies


def test_the_summary_is_in_the_filers_language_and_escapes_everything(tenant_a):
    contact, conversation = subject(tenant_a.tenant, tenant_a.shop, name="<script>x</script>")
    add_messages(conversation, 2)
    privacy = tenant_a.members[Role.PRIVACY]
    privacy.user.language = "fr"
    privacy.user.save(update_fields=["language"])
    french = access_request(tenant_a.tenant, contact, filed_by=privacy)
    english = access_request(tenant_a.tenant, contact, filed_by=tenant_a.owner)

    build(french, contact)
    build(english, contact)

    french_html = entries(french.package)["index.html"].decode()
    english_html = entries(english.package)["index.html"].decode()
    assert '<html lang="fr">' in french_html
    assert "Vos données personnelles" in french_html and "Messages" in french_html
    assert '<html lang="en">' in english_html and "Your personal data" in english_html
    for html in (french_html, english_html):
        assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html


def test_a_finished_package_is_not_rebuilt(tenant_a, history):
    contact = history[0]
    dsr = access_request(tenant_a.tenant, contact)
    first = build(dsr, contact)
    package = AccessPackage.objects.for_tenant(tenant_a.tenant).get(request=dsr)
    written = package_path(package).stat().st_mtime_ns

    again = build(dsr, contact)

    assert again == first
    package.refresh_from_db()
    assert package_path(package).stat().st_mtime_ns == written
    assert AuditEvent.objects.for_tenant(tenant_a.tenant).filter(action=PACKAGE_BUILT).count() == 1


def test_a_retried_build_replaces_what_a_crashed_run_left(tenant_a, history, package_storage):
    contact = history[0]
    dsr = access_request(tenant_a.tenant, contact)
    # A run that created the row and part of the file, then died.
    AccessPackage.objects.create(
        tenant=tenant_a.tenant,
        request=dsr,
        storage_name="0" * 32 + ".zip",
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    package_storage.mkdir(parents=True, exist_ok=True)
    (package_storage / f"{dsr.pk}.part").write_bytes(b"PK half a zip")

    counts = build(dsr, contact)

    package = AccessPackage.objects.for_tenant(tenant_a.tenant).get(request=dsr)
    assert package.sha256 and counts["messages"] == 6
    assert sorted(p.name for p in package_storage.iterdir()) == ["0" * 32 + ".zip"]
    assert zipfile.ZipFile(package_path(package)).testzip() is None


def test_without_a_contact_there_is_nothing_to_build(tenant_a):
    contact, _ = subject(tenant_a.tenant, tenant_a.shop)
    dsr = access_request(tenant_a.tenant, contact)
    with pytest.raises(Conflict):
        build(dsr, None)


def _peak_while_building(tenant_world, count: int) -> int:
    contact, conversation = subject(
        tenant_world.tenant, tenant_world.shop, phone=f"+336{count:08d}"
    )
    add_messages(conversation, count, body=lambda i: f"message {i}: " + "x" * 150)
    dsr = access_request(tenant_world.tenant, contact)
    gc.collect()
    tracemalloc.start()
    try:
        counts = build(dsr, contact)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counts["messages"] == count
    return peak


def test_memory_does_not_grow_with_the_subjects_history(tenant_a):
    small = _peak_while_building(tenant_a, 1000)
    large = _peak_while_building(tenant_a, 3000)
    # Three times the messages, about the same peak: rows are streamed, not held.
    # (Loaded at once, 3,000 decrypted messages alone would add megabytes.)
    assert large < small * 1.3 + 256 * 1024, (small, large)
    assert large < 8 * 1024 * 1024


def test_the_schema_describes_the_csv_with_the_columns_written():
    from privacy.dsr.package import CSV_COLUMNS

    assert set(CSV_COLUMNS) <= set(package_schema.FILES["messages.json"]["fields"])


def test_the_package_holds_the_consent_ledger_and_the_policy_versions(tenant_a, history):
    """Every entry of the ledger, as recorded, the state per purpose, the policy
    version on the contact and on each message; nothing of another contact's."""
    contact, conversation, picture, other = history
    agent = tenant_a.members[Role.AGENT]
    start = timezone.now() - dt.timedelta(days=3)
    with time_machine.travel(start, tick=False):
        stop = consent_sms_keyword(contact=contact, stop=True, word="UNSUBSCRIBE")
    with time_machine.travel(start + dt.timedelta(days=1), tick=False):
        marketing = consent_record_for_subject(
            actor=agent,
            contact=contact,
            purpose="marketing",
            action="given",
            text="News of our sales, by text, about once a month.",
            text_version="2026-02",
        )
    with time_machine.travel(start + dt.timedelta(days=2), tick=False):
        given = consent_give(
            contact=contact,
            purpose="special_category_data",
            channel="widget",
            text="I agree that the shop processes the health details I give.",
            text_version="3",
            details={"visitor_id": "v-1"},
        )
        under = Message(
            tenant_id=contact.tenant_id,
            conversation=conversation,
            contact_id=contact.pk,
            direction="inbound",
            sender_kind="contact",
            status="received",
            body="my allergy is to nuts",
            policy_version="2026-01",
            consent=given,
        )
        under.save()
        # Their own word in the chat that a parent authorises them: not an authorisation.
        declared = consent_record(
            contact=contact,
            purpose="parental_authorisation",
            action="given",
            channel="widget",
            text="A parent or guardian authorises me (15 to 17)",
            details={"given_by": "declared by the visitor"},
        )
    consent_sms_keyword(contact=other, stop=True, word="STOP")
    dsr = access_request(tenant_a.tenant, contact)

    counts = build(dsr, contact)

    assert counts["consent_entries"] == 4 and counts["messages"] == 7
    files = entries(AccessPackage.objects.for_tenant(tenant_a.tenant).get(request=dsr))
    ledger = json.loads(files["consent_ledger.json"])
    assert [(e["purpose"], e["action"], e["channel"]) for e in ledger] == [
        ("sms_messages", "withdrawn", "sms_keyword"),
        ("marketing", "given", "staff"),
        ("special_category_data", "given", "widget"),
        ("parental_authorisation", "given", "widget"),
    ]
    assert ledger[3]["id"] == str(declared.pk)
    assert ledger[0]["details"] == {"keyword": "STOP", "word": "UNSUBSCRIBE"}
    assert ledger[0]["occurred_at"] == stop.occurred_at.isoformat()
    assert ledger[1]["text"] == "News of our sales, by text, about once a month."
    assert ledger[1]["text_version"] == "2026-02"
    assert ledger[1]["recorded_by"] == str(agent.pk)
    assert ledger[1]["id"] == str(marketing.pk)
    assert ledger[2]["details"] == {"visitor_id": "v-1"}
    assert set(ledger[0]) == set(package_schema.FILES["consent_ledger.json"]["fields"])
    consent = json.loads(files["consent.json"])
    assert consent["consents"] == {
        "marketing": {
            "given": True,
            "since": ledger[1]["occurred_at"],
            "entry_id": ledger[1]["id"],
        },
        "sms_messages": {
            "given": False,
            "since": ledger[0]["occurred_at"],
            "entry_id": ledger[0]["id"],
        },
        "special_category_data": {
            "given": True,
            "since": ledger[2]["occurred_at"],
            "entry_id": ledger[2]["id"],
        },
    }
    assert consent["privacy_policy_version"] == "2026-01"
    messages = {m["id"]: m for m in json.loads(files["messages.json"])}
    assert messages[str(under.pk)]["policy_version"] == "2026-01"
    assert messages[str(under.pk)]["consent_entry_id"] == str(given.pk)
    assert messages[str(picture.pk)]["consent_entry_id"] is None
    assert set(messages[str(under.pk)]) == set(package_schema.FILES["messages.json"]["fields"])
    html = files["index.html"].decode()
    assert "News of our sales" in html and "special_category_data" in html
    assert "declared, not an authorisation: <code>parental_authorisation</code>" in html
    # The other contact's STOP is theirs alone.
    assert str(other.pk) not in b"".join(files.values()).decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side cursors of PostgreSQL")
def test_the_rows_are_read_through_server_side_cursors(tenant_a, monkeypatch):
    """tracemalloc above cannot see rows a client-side cursor would hold in
    libpq's memory: PostgreSQL itself shows the cursor the messages come from."""
    contact, conversation = subject(tenant_a.tenant, tenant_a.shop)
    add_messages(conversation, 5)
    add_note(conversation, "a note")
    seen = []

    def open_cursors():
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_cursors")
            return [row[0] for row in cursor.fetchall()]

    for name in ("message_item", "note_item"):
        real = getattr(package, name)

        def spy(*args, real=real, name=name):
            seen.append((name, open_cursors()))
            return real(*args)

        monkeypatch.setattr(package, name, spy)
    build(access_request(tenant_a.tenant, contact), contact)
    assert {name for name, _ in seen} == {"message_item", "note_item"}
    for name, statements in seen:
        table = "conversations_message" if name == "message_item" else "conversations_note"
        assert any("DECLARE" in s.upper() and table in s for s in statements), (name, statements)
