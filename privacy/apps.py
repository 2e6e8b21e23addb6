from django.apps import AppConfig
from django.core.signals import setting_changed
from django.db.models.signals import post_save


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        from tenants.models import Tenant

        setting_changed.connect(_forget_keys_when_the_ring_changes)
        post_save.connect(_keys_of_a_new_tenant, sender=Tenant, dispatch_uid="tenant-keys")


def _keys_of_a_new_tenant(*, instance, created, raw=False, **kwargs) -> None:
    """A tenant's keys are created with it, in the transaction that creates it.
    Created on first use instead, they were created inside whichever busy
    transaction needed them first: two dispatchers landing a new tenant's first
    texts each took a key or an identifier the other then waited for (deadlock)."""
    if created and not raw:
        from privacy import keyring

        keyring.tenant_keys_provision(instance.pk)


def _forget_keys_when_the_ring_changes(*, setting, **kwargs) -> None:
    if setting in ("INSTAPLY_MASTER_KEYS", "INSTAPLY_KEY_SOURCE"):
        from privacy import keyring
        from privacy.keys import reset_master_key_source

        reset_master_key_source()
        keyring.cache.clear()
