from django.apps import AppConfig
from django.core.signals import setting_changed


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        setting_changed.connect(_forget_keys_when_the_ring_changes)


def _forget_keys_when_the_ring_changes(*, setting, **kwargs) -> None:
    if setting in ("INSTAPLY_MASTER_KEYS", "INSTAPLY_KEY_SOURCE"):
        from privacy import keyring
        from privacy.keys import reset_master_key_source

        reset_master_key_source()
        keyring.cache.clear()
