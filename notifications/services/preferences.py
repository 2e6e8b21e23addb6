"""A member's own notification choices."""

from django.db import transaction
from django.utils import timezone

from audit.recorder import Actor, record
from instaply.errors import Invalid
from notifications.models import Preference
from tenants.models import Membership

FIELDS = ("desktop", "sound", "email_on_assignment", "email_on_mention")


@transaction.atomic
def preference_set(*, member: Membership, request=None, **changes) -> Preference:
    """Sets some of the member's choices (booleans); records which ones changed."""
    unknown = sorted(set(changes) - set(FIELDS))
    wrong = sorted(name for name, value in changes.items() if not isinstance(value, bool))
    if unknown or wrong:
        raise Invalid(
            "Preferences are true or false.",
            fields={name: ["Unknown preference."] for name in unknown}
            | {name: ["Must be true or false."] for name in wrong if name not in unknown},
        )
    preference, _ = (
        Preference.objects.for_tenant(member.tenant_id)
        .select_for_update()
        .get_or_create(tenant_id=member.tenant_id, member=member)
    )
    changed = sorted(name for name, value in changes.items() if getattr(preference, name) != value)
    if changed:
        for name in changed:
            setattr(preference, name, changes[name])
        preference.updated_at = timezone.now()
        preference.save(update_fields=[*changed, "updated_at"])
        record(
            "notifications.preferences_changed",
            request=request,
            tenant=member.tenant_id,
            actor=Actor.member(member),
            target=("membership", member.pk),
            # Names as values: a key like "email_on_mention" reads as personal to the recorder.
            metadata={
                "changed": changed,
                "turned_on": [name for name in changed if changes[name]],
            },
        )
    return preference
