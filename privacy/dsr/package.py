"""The access package: the executor of access and portability requests.

``build_access_package`` writes a ZIP of everything the platform holds about
one subject (the contact, its conversations, messages, notes, attachments'
metadata, consent and the consent ledger, the audit events about it), a
``schema.json`` describing each file and a readable ``index.html`` in the
tenant's language. Portability adds ``messages.csv``.

It streams: every kind of record is read through a server-side cursor and
written into its ZIP entry item by item, each value decrypted as its row
passes, so memory does not grow with the subject's history and the cost
follows the subject's data, not the tenant's (bench/dsr_bench.py).

The ZIP is written under a temporary name derived from the request (a retry
truncates what a crashed run left), then renamed to a random name; the
``AccessPackage`` row is finished (``sha256`` set) only after the rename, so a
request with a finished package is never built again. The download side is
privacy/dsr/downloads.py.
"""

import csv
import datetime as dt
import hashlib
import json
import os
import secrets
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, F, Func, Q, Value
from django.db.models.functions import Cast, Concat, Substr
from django.template.loader import render_to_string
from django.utils import timezone, translation

from audit.models import AuditEvent
from audit.recorder import Actor, record
from conversations.models import Contact, Conversation, Message, Note
from instaply.errors import Conflict
from instaply.spreadsheet import spreadsheet_cell
from privacy.consent.models import ConsentEntry
from privacy.consent.selectors import consent_ledger, consent_states, readable_details
from privacy.crypto import DecryptionError, is_erased
from privacy.dsr import package_schema
from privacy.dsr.models import AccessPackage, DataSubjectRequest
from privacy.fields import is_unreadable, open_or_mark

PACKAGE_BUILT = "privacy.request_package_built"
VALID_FOR = dt.timedelta(days=7)
# Rows fetched per round trip of a server-side cursor, and items written per
# write into a ZIP entry: large enough to amortise, small enough to stay flat.
CHUNK = 1000

# Read as tuples, not model instances: at a subject's scale, building a model per
# row costs more than decrypting it (bench/dsr_bench.py).
MESSAGE_COLUMNS = (
    "id",
    "conversation_id",
    "direction",
    "sender_kind",
    "status",
    "failure_code",
    "created_at",
    "status_changed_at",
    "policy_version",
    "consent_id",
    "body",
)
NOTE_COLUMNS = ("id", "conversation_id", "created_at", "body")
CSV_COLUMNS = tuple(package_schema.CSV_FILE["messages.csv"]["fields"])


def private_dir(location) -> Path:
    """A folder of packages, created readable by the application only."""
    path = Path(location)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def package_dir() -> Path:
    return private_dir(settings.PRIVACY_PACKAGE_DIR)


def package_path(package: AccessPackage) -> Path:
    return package_dir() / package.storage_name


def build_access_package(
    request: DataSubjectRequest, contact: Contact | None, progress: Callable[[int], None]
) -> dict:
    """Builds the request's package once; returns its counts (codes and numbers)."""
    dsr = request
    package = _package_row(dsr)
    if package.sha256:
        # Finished by an earlier run (the task was retried after it): not rebuilt.
        return _finished_counts(package)
    if contact is None or contact.tenant_id != dsr.tenant_id:
        raise Conflict("No contact of this tenant matches the request: there is nothing to export.")
    part = package_dir() / f"{dsr.pk}.part"
    counts = _write_zip(part, dsr, contact, _Progress(progress, _total_rows(contact)))
    final = package_path(package)
    os.replace(part, final)
    size, digest = _size_and_digest(final)
    now = timezone.now()
    with transaction.atomic():
        package.size, package.sha256 = size, digest
        package.created_at, package.expires_at = now, now + VALID_FOR
        package.save(update_fields=["size", "sha256", "created_at", "expires_at"])
        record(
            PACKAGE_BUILT,
            tenant=dsr.tenant_id,
            actor=Actor.system("dsr_package"),
            target=("dsr", dsr.pk),
            metadata={"package": str(package.pk), "size": size, **counts},
        )
    progress(100)
    return counts


def _package_row(dsr: DataSubjectRequest) -> AccessPackage:
    """The request's package row, created unfinished (no sha256) on the first run."""
    packages = AccessPackage.objects.for_tenant(dsr.tenant_id)
    package = packages.filter(request=dsr).first()
    if package is not None:
        return package
    try:
        with transaction.atomic():
            return packages.create(
                tenant_id=dsr.tenant_id,
                request=dsr,
                # Random: nothing about the subject, the tenant or the request.
                storage_name=secrets.token_hex(16) + ".zip",
                expires_at=timezone.now() + VALID_FOR,
            )
    except IntegrityError:  # another run created it first
        return packages.get(request=dsr)


def _finished_counts(package: AccessPackage) -> dict:
    if package.deleted_at is not None:
        return {}
    try:
        with zipfile.ZipFile(package_path(package)) as archive:
            return json.loads(archive.read("schema.json"))["counts"]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return {}


def _size_and_digest(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


class _Progress:
    """Reports 0-99 from rows written over rows counted, in steps of 5 (each
    report is a write on the request row); 100 comes once the package is saved."""

    def __init__(self, report: Callable[[int], None], total: int):
        self.report, self.total, self.done, self.last = report, max(total, 1), 0, -1

    def add(self, rows: int) -> None:
        self.done += rows
        percent = min(99, self.done * 100 // self.total)
        if percent >= self.last + 5:
            self.last = percent
            self.report(percent)


def _total_rows(contact: Contact) -> int:
    tenant = contact.tenant_id
    return (
        1
        + Conversation.objects.for_tenant(tenant).filter(contact=contact).count()
        + Message.objects.for_tenant(tenant).filter(contact=contact).count()
        + Note.objects.for_tenant(tenant).filter(contact=contact).count()
        + ConsentEntry.objects.for_tenant(tenant).filter(contact=contact).count()
    )


def _write_zip(part: Path, dsr: DataSubjectRequest, contact: Contact, tracker: _Progress) -> dict:
    portability = dsr.request_type == DataSubjectRequest.Type.PORTABILITY
    tenant = contact.tenant_id
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a leftover from a crashed run keeps its mode otherwise
    counts = {"contacts": 1}
    with os.fdopen(fd, "wb") as raw:
        # Level 1: the JSON still shrinks several times; level 6 cost a fifth of the build.
        with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            zf.writestr("contact.json", _dumps(contact_item(contact), indent=2))
            tracker.add(1)
            conversations = Conversation.objects.for_tenant(tenant).filter(contact=contact)
            channels = dict(conversations.values_list("id", "channel"))
            counts["conversations"] = _write_array(
                zf,
                "conversations.json",
                map(
                    conversation_item,
                    conversations.order_by("created_at", "id").iterator(chunk_size=CHUNK),
                ),
                tracker,
            )
            counts["messages"] = _write_messages(zf, contact, channels, portability, tracker)
            notes = Note.objects.for_tenant(tenant).filter(contact=contact)
            rows = notes.order_by("created_at", "id").values_list(*NOTE_COLUMNS)
            shell = _Opener(Note, contact)
            counts["notes"] = _write_array(
                zf,
                "notes.json",
                (note_item(row, shell) for row in rows.iterator(chunk_size=CHUNK)),
                tracker,
            )
            counts["attachments"] = _write_array(zf, "attachments.json", _attachment_items(contact))
            counts["files"] = _write_files(zf, contact)
            ledger = consent_ledger(contact)
            zf.writestr("consent.json", _dumps(consent_item(contact, ledger), indent=2))
            counts["consent_entries"] = _write_array(
                zf, "consent_ledger.json", map(consent_entry_item, ledger), tracker
            )
            counts["audit_events"] = _write_array(zf, "audit_events.json", _audit_items(contact))
            schema = package_schema.schema(portability=portability, counts=counts)
            zf.writestr("schema.json", _dumps(schema, indent=2))
            zf.writestr("index.html", _index_html(dsr, contact, counts, schema))
        raw.flush()
        os.fsync(raw.fileno())
    return counts


def _dumps(value, indent=None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=indent is not None)


def _write_array(zf: zipfile.ZipFile, name: str, items: Iterable[dict], tracker=None) -> int:
    """A JSON array written into the entry ``name`` a chunk of items at a time."""
    count = 0
    with zf.open(name, "w", force_zip64=True) as entry:
        entry.write(b"[")
        for chunk in _chunks(items):
            # One dumps per chunk, not per item; its brackets dropped to join the chunks.
            text = json.dumps(chunk, ensure_ascii=False)[1:-1]
            entry.write(((",\n" if count else "\n") + text).encode())
            count += len(chunk)
            if tracker:
                tracker.add(len(chunk))
        entry.write(b"\n]\n" if count else b"]\n")
    return count


def _chunks(items: Iterable[dict]):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write_messages(zf, contact, channels: dict, portability: bool, tracker) -> int:
    """messages.json, and for portability messages.csv written beside it into a
    private temporary file (one pass over the rows; one ZIP entry open at a time)."""
    messages = Message.objects.for_tenant(contact.tenant_id).filter(contact=contact)
    rows = messages.order_by("created_at", "id").annotate(
        **_iso_times("created_at", "status_changed_at")
    )
    rows = rows.values_list(*_with_iso_times(MESSAGE_COLUMNS)).iterator(chunk_size=CHUNK)
    shell = _Opener(Message, contact)
    if not portability:
        items = (message_item(row, channels, shell) for row in rows)
        return _write_array(zf, "messages.json", items, tracker)
    with tempfile.TemporaryFile("w+", dir=package_dir(), newline="", encoding="utf-8") as spool:
        writer = csv.writer(spool)
        writer.writerow(CSV_COLUMNS)

        def items():
            for row in rows:
                item = message_item(row, channels, shell)
                writer.writerow([spreadsheet_cell(item[column]) for column in CSV_COLUMNS])
                yield item

        count = _write_array(zf, "messages.json", items(), tracker)
        spool.seek(0)
        with zf.open("messages.csv", "w", force_zip64=True) as entry:
            while block := spool.read(1 << 16):
                entry.write(block.encode())
    return count


def _time(value) -> str | None:
    """ISO 8601: given as text by PostgreSQL (_iso_times), else from a datetime."""
    if value is None or type(value) is str:
        return value
    return value.isoformat()


def _iso_times(*names: str) -> dict:
    """PostgreSQL writes these times as ISO 8601 text itself (to_json, in the
    connection's UTC): no datetime is built per row only to be written out again,
    the largest cost of a row after its decryption. Elsewhere, datetimes."""
    if connection.vendor != "postgresql":
        return {f"{name}_iso": F(name) for name in names}
    return {
        f"{name}_iso": Func(
            F(name), template="(to_json(%(expressions)s) #>> '{}')", output_field=CharField()
        )
        for name in names
    }


def _with_iso_times(columns: tuple) -> tuple:
    return tuple(f"{c}_iso" if c in ("created_at", "status_changed_at") else c for c in columns)


def _plain(value):
    """A decrypted value as exported: None when erased or unreadable."""
    return None if value is None or is_erased(value) or is_unreadable(value) else value


def contact_item(contact: Contact) -> dict:
    open_or_mark(contact, "name", "email", "phone", "social_ids", "notes")
    return {
        "id": str(contact.pk),
        "name": _plain(contact.name),
        "email": _plain(contact.email),
        "phone": _plain(contact.phone),
        "social_ids": _plain(contact.social_ids),
        "notes": _plain(contact.notes),
        "locale": contact.locale,
        "created_at": _time(contact.created_at),
        "erased_at": _time(contact.erased_at),
    }


def consent_item(contact: Contact, ledger: list[ConsentEntry]) -> dict:
    return {
        # The state of each purpose: its newest entry in consent_ledger.json.
        "consents": {
            purpose: {
                "given": entry.action == ConsentEntry.Action.GIVEN,
                "since": _time(entry.occurred_at),
                "entry_id": str(entry.pk),
            }
            for purpose, entry in sorted(consent_states(ledger).items())
        },
        "opted_out_channels": list(contact.opted_out_channels or []),
        "processing_restricted": contact.processing_restricted,
        # Objections per purpose, where the platform records them.
        "objections": list(getattr(contact, "objections", None) or []),
        "privacy_policy_version": contact.privacy_policy_version,
        "age_status": contact.age_status,
    }


def consent_entry_item(entry: ConsentEntry) -> dict:
    return {
        "id": str(entry.pk),
        "purpose": entry.purpose,
        "action": entry.action,
        "channel": entry.channel,
        "text": entry.text,
        "text_version": entry.text_version,
        "policy_version": entry.policy_version,
        "recorded_by": str(entry.recorded_by_id) if entry.recorded_by_id else None,
        "occurred_at": _time(entry.occurred_at),
        "details": readable_details(entry),
    }


def conversation_item(conversation: Conversation) -> dict:
    return {
        "id": str(conversation.pk),
        "channel": conversation.channel,
        "status": conversation.status,
        "shop_id": str(conversation.shop_id),
        "created_at": _time(conversation.created_at),
        "last_activity_at": _time(conversation.last_activity_at),
    }


class _Opener:
    """Decrypts values of rows read as tuples, all under the subject's key.

    One model instance is the shell the encrypted field reads the row's ids from
    (its associated data), so every value opens through the field itself (key
    cache, context, erased subjects), without a model built per row.
    """

    def __init__(self, model, contact: Contact):
        self.shell = model(tenant_id=contact.tenant_id, contact_id=contact.pk)
        self.state = self.shell.__dict__
        self.fields = {f.name: f for f in model._meta.concrete_fields}

    def open(self, pk, stored: bytes | None, name: str = "body") -> tuple[object, bool]:
        """(the plain value, None when absent or erased; whether it did not decrypt)."""
        if stored is None:
            return None, False
        self.state["id"] = pk
        try:
            value = self.fields[name].open_value(self.shell, stored)
        except DecryptionError:  # logged by the field; the rest of the package goes on
            return None, True
        return (None if is_erased(value) else value), False


def message_item(row: tuple, channels: dict, opener: _Opener) -> dict:
    (
        pk,
        conversation_id,
        direction,
        sender_kind,
        status,
        failure,
        created,
        changed,
        policy_version,
        consent_id,
        body,
    ) = row
    body, unreadable = opener.open(pk, body)
    return {
        "id": str(pk),
        "conversation_id": str(conversation_id),
        "channel": channels.get(conversation_id, ""),
        "direction": direction,
        "sender_kind": sender_kind,
        "status": status,
        "failure_code": failure,
        "created_at": _time(created),
        "status_changed_at": _time(changed),
        "policy_version": policy_version,
        "consent_entry_id": str(consent_id) if consent_id else None,
        "body": body,
        "unreadable": unreadable,
    }


def note_item(row: tuple, opener: _Opener) -> dict:
    pk, conversation_id, created, body = row
    body, unreadable = opener.open(pk, body)
    return {
        "id": str(pk),
        "conversation_id": str(conversation_id),
        "created_at": _time(created),
        "body": body,
        "unreadable": unreadable,
    }


def _attachment_items(contact: Contact):
    messages = Message.objects.for_tenant(contact.tenant_id).filter(
        contact=contact, attachments__isnull=False
    )
    opener = _Opener(Message, contact)
    rows = messages.order_by("created_at", "id").values_list("id", "conversation_id", "attachments")
    for pk, conversation_id, stored in rows.iterator(chunk_size=CHUNK):
        attachments, _ = opener.open(pk, stored, "attachments")
        for position, item in enumerate(attachments or []):
            yield {
                "message_id": str(pk),
                "conversation_id": str(conversation_id),
                "position": position,
                "url": item.get("url", "") if isinstance(item, dict) else "",
                "content_type": item.get("content_type", "") if isinstance(item, dict) else "",
            }


def _write_files(zf: zipfile.ZipFile, contact: Contact) -> int:
    """The subject's files the platform stores (attachments/): each decrypted
    into files/<id>, described in files.json."""
    from attachments import blobs
    from attachments.models import Attachment

    rows = (
        Attachment.objects.for_tenant(contact.tenant_id)
        .filter(contact=contact, state=Attachment.State.STORED)
        .order_by("created_at", "id")
    )
    described = []
    for attachment in rows.iterator(chunk_size=CHUNK):
        data = blobs.blob_read(attachment, blobs.FILE)
        if data is None:
            continue
        path = f"files/{attachment.pk}"
        zf.writestr(path, data)
        described.append(
            {
                "id": str(attachment.pk),
                "message_id": str(attachment.message_id),
                "conversation_id": str(attachment.conversation_id),
                "position": attachment.position,
                "name": attachment.name,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "path": path,
            }
        )
    return _write_array(zf, "files.json", described)


def _id_text(queryset):
    """The rows' ids as the text audit events hold in ``target_id``, for a subquery."""
    if connection.vendor == "postgresql":
        text = Cast("id", output_field=CharField())
    else:  # SQLite keeps UUIDs as 32 hex digits: put the dashes back
        parts = [
            Substr("id", start, length)
            for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
        ]
        dashed = [parts[0]]
        for part in parts[1:]:
            dashed += [Value("-"), part]
        text = Concat(*dashed, output_field=CharField())
    return queryset.annotate(id_text=text).values("id_text")


def _audit_items(contact: Contact):
    """Events whose target is the contact, its conversations, messages or notes."""
    tenant = contact.tenant_id
    about = (
        Q(target_kind="contact", target_id=str(contact.pk))
        | Q(
            target_kind="conversation",
            target_id__in=_id_text(Conversation.objects.for_tenant(tenant).filter(contact=contact)),
        )
        | Q(
            target_kind="message",
            target_id__in=_id_text(Message.objects.for_tenant(tenant).filter(contact=contact)),
        )
        | Q(
            target_kind="note",
            target_id__in=_id_text(Note.objects.for_tenant(tenant).filter(contact=contact)),
        )
    )
    events = AuditEvent.objects.for_tenant(tenant).filter(about).order_by("created_at", "id")
    fields = (
        "id",
        "created_at",
        "action",
        "outcome",
        "actor_kind",
        "actor_id",
        "target_kind",
        "target_id",
        "metadata",
    )
    for event in events.values(*fields).iterator(chunk_size=CHUNK):
        event["id"] = str(event["id"])
        event["created_at"] = _time(event["created_at"])
        yield event


def package_language(dsr: DataSubjectRequest) -> str:
    """The filer's language when they chose one, else the platform's default."""
    language = ""
    if dsr.filed_by_id is not None:
        language = dsr.filed_by.user.language or ""
    known = {code for code, _ in settings.LANGUAGES}
    return language if language in known else settings.LANGUAGE_CODE


def _index_html(dsr, contact, counts, schema) -> str:
    language = package_language(dsr)
    ledger = consent_ledger(contact)
    with translation.override(language):
        return render_to_string(
            "dsr/package_index.html",
            {
                "language": language,
                "dsr": dsr,
                "contact": contact_item(contact),
                "consent": consent_item(contact, ledger),
                "ledger": [consent_entry_item(entry) for entry in ledger],
                "counts": counts,
                "files": schema["files"],
                "built_at": timezone.now(),
            },
        )
