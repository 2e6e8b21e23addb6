from django.apps import AppConfig


class ChannelsSmsConfig(AppConfig):
    name = "channels_sms"
    verbose_name = "SMS channels"
    # Tables no single tenant owns (see tenants.checks).
    global_models = {
        "channels_sms.UnroutedDelivery": "a text to a platform number no tenant holds yet: "
        "no tenant to own it until an operator assigns the number and replays it",
    }

    def ready(self) -> None:
        from channels_sms.channel import SmsChannel
        from channels_sms.payload_encryption import rewrap_unrouted_keys
        from conversations.channels import register
        from privacy.services.keys import register_master_wrapped

        register(SmsChannel())
        register_master_wrapped(rewrap_unrouted_keys)
