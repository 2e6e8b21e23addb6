import factory
from django.utils import timezone

from audit.models import SecurityAlert
from instaply.ids import uuid7


class SecurityAlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecurityAlert

    tenant = None
    rule = SecurityAlert.Rule.ACCESS_DENIALS
    severity = SecurityAlert.Severity.HIGH
    summary = "A member was refused access 20 times within 5 minutes."
    subject_kind = "member"
    subject_id = factory.LazyFunction(lambda: str(uuid7()))
    subject_key = factory.LazyAttribute(
        lambda o: f"{o.rule}|{o.tenant.pk if o.tenant else '-'}|member:{o.subject_id}"
    )
    dedup_key = factory.LazyAttribute(lambda o: f"{o.subject_key}|1")
    window_seconds = 300
    event_count = 20
    first_event_at = factory.LazyFunction(timezone.now)
    last_event_at = factory.LazyFunction(timezone.now)
    last_event_id = factory.LazyFunction(uuid7)
