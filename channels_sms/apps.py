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
        from django.db.models.signals import post_delete, post_save

        from channels_sms.channel import SmsChannel
        from channels_sms.models import PhoneNumber, ProviderAccount
        from channels_sms.payload_encryption import rewrap_unrouted_keys
        from channels_sms.services.routing import routes_changed
        from conversations.channels import register
        from privacy.services.keys import register_master_wrapped

        # Every process keeps the routes of webhooks; any change of what routes
        # them must reach every process (channels_sms/services/routing.py).
        for model in (PhoneNumber, ProviderAccount):
            post_save.connect(routes_changed, sender=model, dispatch_uid=f"routes-{model.__name__}")
            post_delete.connect(
                routes_changed, sender=model, dispatch_uid=f"routes-del-{model.__name__}"
            )
        register(SmsChannel())
        register_master_wrapped(rewrap_unrouted_keys)
