"""SMS numbers, the provider accounts behind them, and what providers send us.

Inbound webhooks are stored before anything else happens (``WebhookDelivery``),
unique per provider message id, so a retried or replayed webhook changes
nothing. Routing a webhook to its tenant goes by our own records (the number,
the Messaging Service, the account), never by what the payload claims; those
lookups cannot start with the tenant, which is unknown until they match, hence
the few global indexes below.
"""

from django.db import models
from django.utils import timezone

from instaply.ids import uuid7
from privacy.fields import EncryptedJSONField, EncryptedTextField
from tenants.models import TenantScopedModel


class Provider(models.TextChoices):
    TWILIO = "twilio", "Twilio"
    VONAGE = "vonage", "Vonage"
    # Our own provider simulator: Twilio's protocol, at SMS_SIMULATOR_URL.
    SIMULATOR = "simulator", "Simulator"


# Providers whose webhooks and API follow Twilio's protocol.
TWILIO_PROTOCOL = (Provider.TWILIO, Provider.SIMULATOR)


class SignatureMethod(models.TextChoices):
    """How Vonage signs webhooks: the dashboard's MD5 hash, or an HMAC."""

    MD5HASH = "md5hash", "MD5 hash"
    MD5 = "md5", "HMAC-MD5"
    SHA1 = "sha1", "HMAC-SHA1"
    SHA256 = "sha256", "HMAC-SHA256"
    SHA512 = "sha512", "HMAC-SHA512"


class ProviderAccount(TenantScopedModel):
    """Credentials of one provider account: a Twilio account (AccountSid + auth
    token), a Vonage account (API key + secret + signature secret), or a
    simulator account. Secrets are encrypted under the tenant's own data key; a
    platform-owned account keeps none here and reads them from settings."""

    provider = models.CharField(max_length=16, choices=Provider.choices)
    name = models.CharField(max_length=80, blank=True)
    # Twilio AccountSid or Vonage API key: identifies the account, not a secret.
    account_ref = models.CharField(max_length=64)
    platform_owned = models.BooleanField(default=False)
    # Twilio auth token, or Vonage API secret.
    auth_token = EncryptedTextField(subject="tenant_id")
    signature_secret = EncryptedTextField(subject="tenant_id")
    signature_method = models.CharField(
        max_length=8, choices=SignatureMethod.choices, default=SignatureMethod.SHA256
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # A provider account belongs to one tenant (the platform's own is shared).
            models.UniqueConstraint(
                fields=["provider", "account_ref"],
                condition=models.Q(platform_owned=False),
                name="sms_account_owned_once",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "provider"], name="sms_account_tenant"),
            # Routing a webhook by its AccountSid / api-key: global by nature.
            models.Index(fields=["account_ref"], name="sms_account_route"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.account_ref}"

    def has_secret(self, field: str) -> bool:
        """Whether a secret is set, from the stored value, without decrypting it."""
        return self.__dict__.get(field) is not None


class PhoneNumber(TenantScopedModel):
    """A number a shop texts from and is texted on (E.164)."""

    shop = models.ForeignKey("tenants.Shop", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(ProviderAccount, on_delete=models.PROTECT, related_name="numbers")
    # The account's provider, repeated so routing filters one table.
    provider = models.CharField(max_length=16, choices=Provider.choices)
    number = models.CharField(max_length=16)
    # A Twilio Messaging Service whose sender pool holds this number, if used.
    messaging_service_sid = models.CharField(max_length=34, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One tenant receives a number's texts; also the routing index by number.
            models.UniqueConstraint(
                fields=["number"],
                condition=models.Q(active=True),
                name="sms_number_active_once",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "shop"], name="sms_number_tenant_shop"),
            # Routing, global by nature: by destination number (inactive ones too,
            # so their texts are kept) and by Twilio Messaging Service.
            models.Index(fields=["number"], name="sms_number_route"),
            models.Index(
                fields=["messaging_service_sid"],
                condition=~models.Q(messaging_service_sid=""),
                name="sms_number_service_route",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class DeliveryKind(models.TextChoices):
    MESSAGE = "message", "Inbound message"
    STATUS = "status", "Delivery status"


class WebhookDelivery(TenantScopedModel):
    """One webhook from a provider, stored before it is processed.

    ``payload`` holds the parameters received (phone numbers, the text) under
    the tenant's data key until processing has moved them into the inbox, where
    they are encrypted under the contact's key; it is then cleared.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be processed"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Could not be processed"
        UNROUTED = "unrouted", "No active number of ours"

    provider = models.CharField(max_length=16, choices=Provider.choices)
    kind = models.CharField(max_length=8, choices=DeliveryKind.choices)
    provider_message_id = models.CharField(max_length=64)
    # Status callbacks: one delivery per message and status reported.
    provider_status = models.CharField(max_length=24, blank=True)
    phone_number = models.ForeignKey(
        PhoneNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Bound to the model's former name: deliveries stored before the rename still decrypt.
    payload = EncryptedJSONField(subject="tenant_id", context_label="channels_sms.inboundevent")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Why it failed or waits: our own words, never provider text or content.
    note = models.CharField(max_length=200, blank=True)
    message_id = models.UUIDField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "provider", "kind", "provider_message_id", "provider_status"],
                name="sms_delivery_once",
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "state", "received_at"], name="sms_delivery_tenant_state"
            ),
            # Erasure removes the deliveries of a contact's messages (privacy.dsr.erasure).
            models.Index(
                fields=["tenant", "message_id"],
                condition=models.Q(message_id__isnull=False),
                name="sms_delivery_tenant_message",
            ),
            # The dispatcher's queue, global by nature: the oldest pending deliveries of
            # every tenant (channels_sms/services/dispatch.py). Small: only pending rows.
            models.Index(
                fields=["id"], condition=models.Q(state="pending"), name="sms_delivery_pending"
            ),
        ]


class UnroutedDelivery(models.Model):
    """A webhook for a number of the platform's own provider account that no
    tenant holds: no tenant key can encrypt it, so its payload is encrypted under a
    key of its own, wrapped by the master key (channels_sms.payload_encryption). Kept for
    operators (``manage.py sms_deliveries``), replayed once the number is assigned."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    provider = models.CharField(max_length=16, choices=Provider.choices)
    kind = models.CharField(max_length=8, choices=DeliveryKind.choices)
    provider_message_id = models.CharField(max_length=64)
    provider_status = models.CharField(max_length=24, blank=True)
    account_ref = models.CharField(max_length=64)
    master_version = models.PositiveIntegerField()
    wrapped_key = models.BinaryField()
    payload = models.BinaryField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "kind", "provider_message_id", "provider_status"],
                name="sms_unrouted_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.kind} {self.provider_message_id}"


class ConcatenatedParts(TenantScopedModel):
    """Parts of a long Vonage text received so far, until all have arrived."""

    phone_number = models.ForeignKey(PhoneNumber, on_delete=models.CASCADE, related_name="+")
    # Blind index of the sender: groups the parts without storing the number.
    sender_index = models.CharField(max_length=64)
    reference = models.CharField(max_length=16)
    total = models.PositiveSmallIntegerField()
    # {"<part>": {"text": ..., "message_id": ...}}
    parts = EncryptedJSONField(subject="tenant_id")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "phone_number", "sender_index", "reference", "total"],
                name="sms_concat_once",
            )
        ]
        # Erasure removes a sender's waiting parts (privacy.dsr.erasure).
        indexes = [
            models.Index(fields=["tenant", "sender_index"], name="sms_concat_tenant_sender"),
            # Retention removes parts that never completed.
            models.Index(fields=["tenant", "created_at"], name="sms_concat_tenant_created"),
        ]


class SendAttempt(TenantScopedModel):
    """One try at handing an outbound message to the provider.

    Written (committed) as CALLING before the provider is called, so a run that
    dies mid-call leaves a trace: the next run finds it and does not call again
    (at most once; channels_sms/services/outbound.py).
    """

    class Outcome(models.TextChoices):
        CALLING = "calling", "Handed to the provider, no answer recorded yet"
        SENT = "sent", "Accepted by the provider"
        TRANSIENT = "transient", "Failed, will be retried"
        PERMANENT = "permanent", "Failed for good"
        UNKNOWN = "unknown", "The run stopped mid-call; not sent again"

    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="+")
    phone_number = models.ForeignKey(
        PhoneNumber, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    number = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    provider_message_id = models.CharField(max_length=64, blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    error_reason = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)  # None while CALLING

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "message", "number"], name="sms_attempt_tenant_message"),
            # Retention removes attempts older than RETENTION_SEND_ATTEMPT_DAYS.
            models.Index(fields=["tenant", "finished_at"], name="sms_attempt_tenant_finished"),
        ]
