"""``schema.json`` of an access package: what each file holds, field by field.

Kept beside the writer (privacy/dsr/package.py) so a new field is described
where it is added; a test checks that every file of a package is listed here.
"""

SCHEMA_VERSION = 1

_TIME = "date and time, ISO 8601 with offset (UTC)"
_ID = "identifier (UUID)"

FILES = {
    "contact.json": {
        "kind": "object",
        "description": "The contact: who the subject is for the tenant.",
        "fields": {
            "id": _ID,
            "name": "name, decrypted (null when erased or unreadable)",
            "email": "email address, decrypted",
            "phone": "phone number, decrypted",
            "social_ids": "identifiers on social networks, decrypted",
            "notes": "what the tenant's staff wrote about the subject, decrypted",
            "locale": "preferred language, as recorded",
            "created_at": _TIME,
            "erased_at": _TIME + ", null unless erased",
        },
    },
    "conversations.json": {
        "kind": "array",
        "description": "The subject's conversations with the tenant.",
        "fields": {
            "id": _ID,
            "channel": "channel kind: sms, widget",
            "status": "open, pending, snoozed or closed",
            "shop_id": "the tenant's shop the conversation is with (UUID)",
            "created_at": _TIME,
            "last_activity_at": _TIME,
        },
    },
    "messages.json": {
        "kind": "array",
        "description": "Every message of those conversations, oldest first.",
        "fields": {
            "id": _ID,
            "conversation_id": "the conversation (UUID)",
            "channel": "channel kind: sms, widget",
            "direction": "inbound (from the subject) or outbound (to the subject)",
            "sender_kind": "contact, member (the tenant's staff) or system",
            "status": "received, queued, sent, delivered, undelivered or failed",
            "failure_code": "the provider's code when not delivered",
            "created_at": _TIME,
            "status_changed_at": _TIME,
            "policy_version": (
                "version of the privacy policy in force when the message was collected or "
                "sent (blank before versions were recorded)"
            ),
            "consent_entry_id": (
                "the consent the message was sent under (an entry of consent_ledger.json), "
                "null for most messages; withdrawing that consent deletes the message"
            ),
            "body": "the text, decrypted (null when erased or unreadable)",
            "unreadable": "true when the stored text did not decrypt (damaged)",
        },
    },
    "notes.json": {
        "kind": "array",
        "description": "Internal notes the tenant's staff wrote on those conversations.",
        "fields": {
            "id": _ID,
            "conversation_id": "the conversation (UUID)",
            "created_at": _TIME,
            "body": "the text, decrypted",
            "unreadable": "true when the stored text did not decrypt (damaged)",
        },
    },
    "attachments.json": {
        "kind": "array",
        "description": (
            "Media references that came with SMS messages (MMS): where the provider "
            "held each file. The files the platform stored are in files.json."
        ),
        "fields": {
            "message_id": "the message (UUID)",
            "conversation_id": "the conversation (UUID)",
            "position": "order within the message, from 0",
            "url": "where the provider holds the file",
            "content_type": "MIME type, as the provider gave it",
        },
    },
    "files.json": {
        "kind": "array",
        "description": (
            "Pictures and files of the conversations (MMS, chat, staff replies), each "
            "decrypted into the package at its path."
        ),
        "fields": {
            "id": _ID,
            "message_id": "the message (UUID)",
            "conversation_id": "the conversation (UUID)",
            "position": "order within the message, from 0",
            "name": "the file name as sent",
            "content_type": "MIME type, read from the file's content",
            "size": "bytes",
            "path": "where the file is in this package",
        },
    },
    "consent.json": {
        "kind": "object",
        "description": "Consent and the subject's choices about processing.",
        "fields": {
            "consents": (
                "the current state of each consent purpose the subject spoke of: given "
                "(true/false), since (" + _TIME + ") and the ledger entry it comes from"
            ),
            "opted_out_channels": "channels the subject opted out of (e.g. sms after STOP)",
            "processing_restricted": "true while processing is restricted (GDPR art. 18)",
            "objections": "purposes objected to (GDPR art. 21); all for every processing",
            "privacy_policy_version": (
                "version of the privacy policy in force when the contact was first recorded"
            ),
            "age_status": "unknown, adult, minor_authorised, minor_unauthorised or under_15",
        },
    },
    "consent_ledger.json": {
        "kind": "array",
        "description": (
            "Every consent the subject gave or withdrew, oldest first, as recorded: the "
            "current state of a purpose is its newest entry, except that a parental "
            "authorisation is decided by the tenant's staff only (channel staff): the "
            "subject's own declaration in the website chat is kept but is not an "
            "authorisation. Entries are never changed."
        ),
        "fields": {
            "id": _ID,
            "purpose": (
                "special_category_data, marketing, sms_messages (SMS STOP/START) or "
                "parental_authorisation"
            ),
            "action": "given or withdrawn",
            "channel": (
                "widget (the website chat), sms_keyword (a text), staff (the tenant's staff "
                "on the subject's instruction) or api"
            ),
            "text": "the text the subject was shown or told, as written by the tenant",
            "text_version": "version of that text",
            "policy_version": "version of the privacy policy in force at the time",
            "recorded_by": "the tenant's staff member who recorded it (UUID), or null",
            "occurred_at": _TIME,
            "details": (
                "what else was recorded, decrypted: the keyword texted, the chat session, "
                "what a withdrawal deleted (counts and message ids, never content)"
            ),
        },
    },
    "audit_events.json": {
        "kind": "array",
        "description": (
            "The audit trail's events about the contact, its conversations, messages and "
            "notes: who did what, when. Ids and codes only, as recorded."
        ),
        "fields": {
            "id": _ID,
            "created_at": _TIME,
            "action": "what was done (dotted code, e.g. personal_data.read)",
            "outcome": "success, failure or denied",
            "actor_kind": "member, api_token, user, platform_staff, system",
            "actor_id": "the actor's id",
            "target_kind": "contact, conversation, message or note",
            "target_id": "the target's id",
            "metadata": "codes and counts recorded with the event",
        },
    },
    "schema.json": {
        "kind": "object",
        "description": "This description of the package's files.",
        "fields": {
            "version": "version of this layout",
            "files": "each file: kind, description, fields",
            "counts": "number of records in each file",
        },
    },
    "index.html": {
        "kind": "document",
        "description": "A readable summary of the package.",
        "fields": {},
    },
}

CSV_FILE = {
    "messages.csv": {
        "kind": "csv",
        "description": (
            "The messages of messages.json as a spreadsheet (UTF-8, comma-separated, one "
            "header row). A cell starting with = + - @ is prefixed with ' so that no "
            "spreadsheet runs it as a formula."
        ),
        "fields": {
            name: FILES["messages.json"]["fields"][name]
            for name in (
                "id",
                "conversation_id",
                "channel",
                "direction",
                "sender_kind",
                "status",
                "created_at",
                "status_changed_at",
                "body",
            )
        },
    }
}


def schema(*, portability: bool, counts: dict) -> dict:
    files = dict(FILES)
    if portability:
        files.update(CSV_FILE)
    return {"version": SCHEMA_VERSION, "files": files, "counts": counts}
