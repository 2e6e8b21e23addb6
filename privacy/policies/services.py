"""Privacy-policy versions: the platform DPO writes a draft, corrects it, and
publishes it; a published version never changes.

Rules a version must meet (each refusal names its field and a code the console
words in the reader's language):

* ``version``: a short label (letters, digits, ``.``, ``-``, ``_``; it appears in
  the public page's address), unique;
* ``effective_at``: not in the past, and after every published version's, so a
  contact or message stamped with the version in force keeps the right one:
  no version can take effect retroactively. A naive time is read in
  ``PRIVACY_TIME_ZONE``. Checked again at publication, when time has passed;
* the text in English and in French;
* the summary (quoted to the tenants' owners) and the service message (sent to
  end-users of the tenants that choose it) in both languages or in neither; the
  service message must fit every channel (SMS segments).

Each write is one transaction with its audit event (a platform actor, no
tenant). Publishing drops the cache of published versions and, after commit,
queues the announcement to every tenant (privacy.policies.tasks).
"""

import datetime as dt
import re
import zoneinfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import actions
from audit.recorder import Actor, record
from conversations.channels import channel_for, registered_kinds
from instaply.errors import Conflict, Forbidden, Invalid
from instaply.publish import publish_after_commit
from platform_staff.models import PlatformRole, PlatformStaff
from privacy.policies.models import PolicyVersion
from privacy.policies.selectors import forget_published_versions, published_list
from tenants.models import Membership, Tenant
from tenants.permissions import Capability
from tenants.services.tenancy import tenant_setting_change

VERSION_MAX = PolicyVersion._meta.get_field("version").max_length
SUMMARY_MAX = PolicyVersion._meta.get_field("summary_en").max_length
SERVICE_MESSAGE_MAX = PolicyVersion._meta.get_field("service_message_en").max_length
TEXT_MAX = 100_000
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

# What a draft holds; ``policy_version_update`` changes any of them.
FIELDS = (
    "version",
    "effective_at",
    "text_en",
    "text_fr",
    "summary_en",
    "summary_fr",
    "service_message_en",
    "service_message_fr",
)


def _check_dpo(staff: PlatformStaff) -> None:
    if staff is None or not staff.is_active or not staff.has_role(PlatformRole.DPO):
        raise Forbidden("Only the platform's data protection officer manages policy versions.")


def _label(value) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid("Give the version's label.", fields={"version": "required"})
    if len(value) > VERSION_MAX:
        raise Invalid(
            f"Keep the version's label under {VERSION_MAX} characters.",
            fields={"version": "too long"},
        )
    if not _VERSION.match(value):
        raise Invalid(
            "A version's label uses letters, digits, '.', '-' and '_' only (e.g. 2027-01).",
            fields={"version": "malformed"},
        )
    return value


def _moment(value) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, dt.datetime):
        raise Invalid(
            "Give the effective date and time (YYYY-MM-DD HH:MM).",
            fields={"effective_at": "required"},
        )
    if timezone.is_naive(value):
        value = value.replace(tzinfo=zoneinfo.ZoneInfo(settings.PRIVACY_TIME_ZONE))
    return value


def _effective_at(value, *, now: dt.datetime, exclude=None) -> dt.datetime:
    """Not in the past, after every published version's."""
    value = _moment(value)
    if value < now:
        raise Invalid(
            "The effective date cannot be in the past: a version never applies retroactively.",
            fields={"effective_at": "in the past"},
        )
    latest = published_list().exclude(pk=getattr(exclude, "pk", None)).first()
    if latest is not None and value <= latest.effective_at:
        raise Invalid(
            f"The effective date must come after that of version {latest.version}, "
            "the latest published.",
            fields={"effective_at": "not after the latest"},
        )
    return value


def _text(value, *, field: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(f"Give the {what}.", fields={field: "required"})
    if len(value) > TEXT_MAX:
        raise Invalid(f"Keep the {what} under {TEXT_MAX:,} characters.", fields={field: "too long"})
    return value


def _pair(data: dict, name: str, *, most: int, what: str) -> tuple[str, str]:
    """``<name>_en`` and ``<name>_fr``: both or neither, each within ``most``."""
    values = [(data.get(f"{name}_{lang}") or "").strip() for lang in ("en", "fr")]
    for lang, value in zip(("en", "fr"), values, strict=True):
        if len(value) > most:
            raise Invalid(
                f"Keep the {what} under {most} characters.",
                fields={f"{name}_{lang}": "too long"},
            )
    if bool(values[0]) != bool(values[1]):
        missing = "fr" if values[0] else "en"
        raise Invalid(
            f"Give the {what} in both English and French, or in neither.",
            fields={f"{name}_{missing}": "missing translation"},
        )
    return values[0], values[1]


def _fits_every_channel(text: str, field: str) -> None:
    for kind in registered_kinds():
        try:
            channel_for(kind).check_body(body=text)
        except Invalid as error:
            raise Invalid(
                f"The service message is too long for {kind}: {error.message}",
                fields={field: "too long for the channel"},
            ) from None


def _clean(data: dict, *, now: dt.datetime, exclude=None) -> dict:
    cleaned = {
        "version": _label(data.get("version")),
        "effective_at": _effective_at(data.get("effective_at"), now=now, exclude=exclude),
        "text_en": _text(data.get("text_en"), field="text_en", what="English text"),
        "text_fr": _text(data.get("text_fr"), field="text_fr", what="French text"),
    }
    cleaned["summary_en"], cleaned["summary_fr"] = _pair(
        data, "summary", most=SUMMARY_MAX, what="summary of the changes"
    )
    cleaned["service_message_en"], cleaned["service_message_fr"] = _pair(
        data, "service_message", most=SERVICE_MESSAGE_MAX, what="service message"
    )
    for field in ("service_message_en", "service_message_fr"):
        if cleaned[field]:
            _fits_every_channel(cleaned[field], field)
    taken = PolicyVersion.objects.filter(version=cleaned["version"])
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise Invalid(
            f"Version {cleaned['version']} exists already: choose another label.",
            fields={"version": "taken"},
        )
    return cleaned


def _taken(version: str) -> Invalid:
    return Invalid(
        f"Version {version} exists already: choose another label.", fields={"version": "taken"}
    )


def _audit(action: str, version: PolicyVersion, staff: PlatformStaff, request, **extra) -> None:
    record(
        action,
        request=request,
        tenant=None,  # the platform's own record, no tenant's
        actor=Actor.platform_staff(staff.user),
        target=("policy_version", version.pk),
        metadata={
            "version": version.version,
            "effective_at": version.effective_at,
            "staff": str(staff.pk),
            "role": PlatformRole.DPO.value,
            **extra,
        },
    )


def policy_version_create(
    *, staff: PlatformStaff, request=None, now: dt.datetime | None = None, **data
) -> PolicyVersion:
    """A draft: it counts for nothing until published."""
    _check_dpo(staff)
    _refuse_unknown(data)
    cleaned = _clean(data, now=now or timezone.now())
    try:
        with transaction.atomic():
            version = PolicyVersion.objects.create(created_by=staff, **cleaned)
            _audit(actions.POLICY_VERSION_CREATED, version, staff, request)
    except IntegrityError:  # the same label created at the same moment
        raise _taken(cleaned["version"]) from None
    return version


def _refuse_unknown(data: dict) -> None:
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise Invalid(
            "These fields are not part of a policy version: " + ", ".join(unknown),
            fields=dict.fromkeys(unknown, "unknown"),
        )


def _locked(version: PolicyVersion) -> PolicyVersion:
    return PolicyVersion.objects.select_for_update().get(pk=version.pk)


def policy_version_update(
    *,
    staff: PlatformStaff,
    policy_version: PolicyVersion,
    request=None,
    now: dt.datetime | None = None,
    **changes,
) -> PolicyVersion:
    """Corrects a draft; a published version is refused (409): what was in force
    stays what it was. ``changes`` are fields of FIELDS (``version`` is the
    label). The audit event names the fields that changed, never their words."""
    _check_dpo(staff)
    _refuse_unknown(changes)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            version = _locked(policy_version)
            if version.published_at is not None:
                raise Conflict(
                    "A published version cannot be changed: write a new version.",
                    code="published",
                )
            wanted = {field: getattr(version, field) for field in FIELDS} | changes
            cleaned = _clean(wanted, now=now, exclude=version)
            changed = sorted(f for f in FIELDS if cleaned[f] != getattr(version, f))
            if changed:
                for field in changed:
                    setattr(version, field, cleaned[field])
                version.save(update_fields=changed)
                _audit("policy.version_updated", version, staff, request, fields=changed)
    except IntegrityError:
        raise _taken(changes.get("version", "")) from None
    return version


def policy_version_publish(
    *,
    staff: PlatformStaff,
    policy_version: PolicyVersion,
    request=None,
    now: dt.datetime | None = None,
) -> PolicyVersion:
    """Publishes a draft. Its effective date is checked again (not passed, after
    every published version's): every published version is locked meanwhile,
    so two publications cannot cross. After commit, every tenant is told."""
    _check_dpo(staff)
    now = now or timezone.now()
    with transaction.atomic():
        # A handful of rows a year: locking them all orders concurrent publications.
        list(PolicyVersion.objects.select_for_update().order_by("pk").values_list("pk"))
        version = _locked(policy_version)
        if version.published_at is not None:
            raise Conflict("This version is published already.", code="published")
        _clean({f: getattr(version, f) for f in FIELDS}, now=now, exclude=version)
        version.published_at, version.published_by = now, staff
        version.save(update_fields=["published_at", "published_by"])
        _audit(actions.POLICY_VERSION_PUBLISHED, version, staff, request)
        version_id = str(version.pk)

        from privacy.policies import tasks

        # A broker outage must not undo the publication; the version is in force
        # anyway and the announcement can be sent again (it tells once).
        transaction.on_commit(forget_published_versions, robust=True)
        publish_after_commit(tasks.announce_version, version_id)
    return version


@transaction.atomic
def policy_messages_choose(*, membership: Membership, send: bool, request=None) -> Tenant:
    """Whether the tenant's end-users get the service message of the versions
    published from now on (owners and privacy officers decide)."""
    if not membership.can(Capability.PRIVACY_REQUESTS):
        raise Forbidden("Only owners and privacy officers choose the policy service messages.")
    return tenant_setting_change(
        actor=membership,
        field="send_policy_messages",
        value=send,
        action="policy.messages_choice_changed",
        request=request,
    )
