"""The record's codes in the reader's words (EN or FR, the active language).

A snapshot stores codes; this module turns one into what the pages print, so a
version written months ago reads in today's wording and in either language.
Short labels carry the context "records" so they never clash with the same
English word elsewhere in the catalogue.
"""

from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext_lazy
from django.utils.translation import gettext as _

from breaches import labels as breach_labels
from web import labels

REGIONS = {
    "eu": pgettext_lazy("records", "European Union"),
    "uk": pgettext_lazy("records", "United Kingdom"),
    "us": pgettext_lazy("records", "United States"),
}
SUBJECTS = {
    "end_users": pgettext_lazy("records", "End-users (your customers who write to you)"),
    "minors": pgettext_lazy("records", "Minors among end-users"),
    "tenant_staff": pgettext_lazy("records", "Your staff"),
}
# The same words as the breach notices and the console (breaches/labels.py).
CATEGORIES = breach_labels.DATA_CATEGORIES
SAFEGUARDS = {
    "eu": pgettext_lazy("records", "None needed (EU/EEA)"),
    "adequacy": pgettext_lazy("records", "Adequacy decision"),
    "scc": pgettext_lazy("records", "Standard contractual clauses"),
    "dpf": pgettext_lazy("records", "EU-US Data Privacy Framework"),
    "scc_dpf": pgettext_lazy("records", "Standard contractual clauses and Data Privacy Framework"),
}
PROCESSING = {
    "conversations": gettext_lazy(
        "Hosting your conversations, contacts and notes, encrypted, and showing them to "
        "your staff in the inbox and the API"
    ),
    "web_widget": gettext_lazy("Chat on your website through the Instaply widget"),
    "special_category_consent": gettext_lazy(
        "Asking website visitors for explicit consent before they send special-category "
        "data, and keeping the consent ledger"
    ),
    "minors": gettext_lazy(
        "Applying the rules on minors: age gate, parental authorisation, erasure of children's data"
    ),
    "policy_service_messages": gettext_lazy(
        "Sending end-users a service message when a new privacy-policy version is published"
    ),
    "retention": gettext_lazy("Deleting conversations at the end of your retention period"),
    "data_subject_requests": gettext_lazy(
        "Answering the data-subject requests you file (access, erasure, portability) "
        "within 72 working hours"
    ),
    "staff_accounts": gettext_lazy(
        "Your staff's accounts: sign-in, second factor, roles and revocation"
    ),
    "audit_log": gettext_lazy(
        "Recording every access attempt in an append-only audit log sealed in a hash chain"
    ),
    "product_analytics": gettext_lazy(
        "Product analytics: anonymous usage events (what happened, never who or what was "
        "written), under a pseudonym of your workspace that changes every month"
    ),
    "login_data": gettext_lazy(
        "Your staff's login data, to administer the service and defend it against abuse "
        "(alerts when an owner or admin signs in from a new country or device); shown to "
        "your owners and admins, and to each person for their own sessions"
    ),
    "reporting_database": gettext_lazy(
        "Business reporting on a separate database of identifiers and facts only: opaque "
        "keys its readers cannot trace back, codes, whole hours and response times; no "
        "content, names, numbers or addresses"
    ),
}
LOGIN_DATA = {
    "ip_address": gettext_lazy("IP address"),
    "country": gettext_lazy("country"),
    "browser_os_device": gettext_lazy("browser, system and device families"),
    "referrer_host": gettext_lazy("referring site"),
    "pages_used": gettext_lazy("pages and API routes used"),
    "times": gettext_lazy("sign-in and last-activity times"),
    "time_spent": gettext_lazy("time spent"),
}
DATABASE_ENGINES = {
    "postgresql": pgettext_lazy("records", "its own PostgreSQL database"),
    "sqlite": pgettext_lazy("records", "its own SQLite file (embedded default)"),
}
CHAIN = {
    "intact": gettext_lazy("Verified intact"),
    "broken": gettext_lazy("Broken: the chain does not verify"),
    "nothing_sealed": gettext_lazy("Nothing sealed yet"),
}


def _label(table: dict, code) -> str:
    return str(table.get(code, code))


def _french() -> bool:
    return (get_language() or "en").startswith("fr")


def _processing_entry(entry: dict) -> dict:
    code = entry.get("code")
    if code == "sms":
        provider = labels.label(labels.PROVIDERS, entry.get("provider"))
        title = _("Text messages (SMS) through %(provider)s") % {"provider": provider}
        count = entry.get("numbers", 0)
        detail = ngettext("%(count)s phone number", "%(count)s phone numbers", count) % {
            "count": count
        }
        return {"code": code, "title": title, "detail": detail}
    detail = ""
    if code == "web_widget":
        count = entry.get("widgets", 0)
        detail = ngettext("%(count)s active widget", "%(count)s active widgets", count) % {
            "count": count
        }
        fields = entry.get("pre_chat_fields") or []
        if fields:
            detail += " · " + _("asked before the chat: %(fields)s") % {"fields": ", ".join(fields)}
    elif code == "special_category_consent":
        count = entry.get("widgets", 0)
        detail = ngettext("%(count)s widget asks for it", "%(count)s widgets ask for it", count)
        detail %= {"count": count}
    elif code == "minors":
        ages = {"child": entry.get("child_age"), "last": (entry.get("adult_age") or 0) - 1}
        gates = entry.get("age_gate_widgets", 0)
        detail = (
            _("under %(child)s: data erased; %(child)s to %(last)s: parental authorisation") % ages
        )
        detail += " · " + ngettext(
            "age gate on %(count)s widget", "age gate on %(count)s widgets", gates
        ) % {"count": gates}
    elif code in ANALYTICS_DETAILS:
        detail = ANALYTICS_DETAILS[code](entry)
    return {"code": code, "title": _label(PROCESSING, code), "detail": detail}


def _product_analytics(entry: dict) -> str:
    if entry.get("opted_out"):
        return _("your workspace opted out: none of its events are recorded or sent")
    if entry.get("destination"):
        return _("sent from our servers to %(host)s, geolocation off") % {
            "host": entry["destination"]
        }
    return _("not sent: recorded on the platform only (local sink, no Mixpanel token set)")


def _login_data(entry: dict) -> str:
    collected = ", ".join(_label(LOGIN_DATA, code) for code in entry.get("collected", []))
    return " · ".join(
        [
            collected,
            _("website visitors: browser and device families only"),
            _("kept %(days)s days after the session's last activity")
            % {"days": entry.get("retention_days")},
        ]
    )


def _reporting_database(entry: dict) -> str:
    tables = "; ".join(
        f"{table}: {', '.join(columns)}" for table, columns in entry.get("tables", {}).items()
    )
    readers = _(
        "read by the reporting provider through a read-only role limited to %(tables)s; "
        "the platform's DPO and security see counts only"
    ) % {"tables": ", ".join(entry.get("bi_readable", []))}
    forgotten = _(
        "facts are removed in the same run as the erasure or retention deletion of their source"
    )
    engine = _label(DATABASE_ENGINES, entry.get("engine"))
    return " · ".join([engine, tables, readers, forgotten])


ANALYTICS_DETAILS = {
    "product_analytics": _product_analytics,
    "login_data": _login_data,
    "reporting_database": _reporting_database,
}


def _security(security: dict) -> list[dict]:
    encryption = security.get("encryption", {})
    two_factor = security.get("two_factor", {})
    chain = security.get("audit_chain", {})
    backups = security.get("backup_encryption", {})
    roles = ", ".join(
        str(labels.label(labels.ROLES, r)) for r in two_factor.get("always_required_roles", [])
    )
    rotation = encryption.get("last_rotation")
    chain_text = _label(CHAIN, chain.get("status"))
    if chain.get("broken_at"):
        chain_text += " " + _("(first broken link: %(seq)s)") % {"seq": chain["broken_at"]}
    return [
        {
            "code": "encryption",
            "label": _("Encryption at rest"),
            "value": _(
                "%(algorithm)s, one key per contact, wrapped by your workspace's key "
                "(version %(version)s)"
            )
            % {
                "algorithm": encryption.get("algorithm"),
                "version": encryption.get("tenant_key_version") or "–",
            },
        },
        {
            "code": "key_rotation",
            "label": _("Last key rotation"),
            "value": rotation[:10] if rotation else _("Not rotated since the key was created"),
        },
        {
            "code": "two_factor",
            "label": _("Two-factor authentication"),
            "value": (
                _("Required for every member")
                if two_factor.get("required_for_all")
                else _("Required for: %(roles)s") % {"roles": roles}
            ),
        },
        {"code": "audit_chain", "label": _("Audit-chain verification"), "value": chain_text},
        {
            "code": "backup_encryption",
            "label": _("Backup encryption"),
            "value": backups.get("description") or _("Not configured"),
        },
    ]


def _retention(retention: dict) -> dict:
    platform = retention.get("platform", {})
    rows = [
        (_("Processed SMS webhook records"), platform.get("webhook_records_days")),
        (_("Parts of long SMS never completed"), platform.get("incomplete_sms_parts_days")),
        (_("Delivery attempts of sent messages"), platform.get("send_attempts_days")),
        (_("Chat widget visitor sessions"), platform.get("visitor_sessions_days")),
        (_("Audit events"), platform.get("audit_events_days")),
        (_("Sign-in sessions of staff (login data)"), platform.get("login_data_days")),
        (_("Database backups"), platform.get("backups_days")),
    ]
    return {
        "inactive_days": retention.get("inactive_days"),
        "closed_days": retention.get("closed_days"),
        "chosen": retention.get("chosen_by_tenant"),
        "platform": rows,
    }


def present(record: dict) -> dict:
    """What the pages print of ``record``, in the active language."""
    language = "fr" if _french() else "en"
    controller = record.get("controller", {})
    return {
        "processor": record.get("processor", {}),
        "controller": {
            "name": controller.get("name"),
            "region": _label(REGIONS, controller.get("data_region")),
            "representatives": [
                {**person, "role_label": labels.label(labels.ROLES, person.get("role"))}
                for person in controller.get("representatives", [])
            ],
        },
        "processing": [_processing_entry(e) for e in record.get("processing", [])],
        "data_subjects": [_label(SUBJECTS, c) for c in record.get("data_subjects", [])],
        "data_categories": [_label(CATEGORIES, c) for c in record.get("data_categories", [])],
        "subprocessors": [
            {
                "code": s.get("code"),
                "name": s.get("name"),
                "purpose": (s.get("purpose") or {}).get(language, ""),
                "country": s.get("country"),
                "safeguard": _label(SAFEGUARDS, s.get("safeguard")),
                "categories": [_label(CATEGORIES, c) for c in s.get("data_categories", [])],
                "since": s.get("since"),
            }
            for s in record.get("subprocessors", [])
        ],
        "transfers": [
            {**t, "safeguard": _label(SAFEGUARDS, t.get("safeguard"))}
            for t in record.get("transfers", [])
        ],
        "retention": _retention(record.get("retention", {})),
        "security": _security(record.get("security", {})),
    }


# What the history calls each top-level part that changed.
PARTS = {
    "processor": pgettext_lazy("records", "Processor"),
    "controller": pgettext_lazy("records", "Controller"),
    "processing": pgettext_lazy("records", "Processing"),
    "data_subjects": pgettext_lazy("records", "Data subjects"),
    "data_categories": pgettext_lazy("records", "Data categories"),
    "subprocessors": pgettext_lazy("records", "Sub-processors"),
    "transfers": pgettext_lazy("records", "Transfers outside the EU"),
    "retention": pgettext_lazy("records", "Retention"),
    "security": pgettext_lazy("records", "Security measures"),
    "schema": pgettext_lazy("records", "Format"),
}


def changed_labels(changed: list) -> list[str]:
    return [_label(PARTS, code) for code in changed]
