"""Master key ring (issue 3 builds the key hierarchy on it)."""

from instaply import env
from instaply.settings.base import production


def _valid_key_ring(value: str) -> bool:
    from privacy.keys import KeyRingError, parse_master_key_ring

    try:
        return bool(parse_master_key_ring(value))
    except KeyRingError:
        return False


INSTAPLY_MASTER_KEYS = env.text("INSTAPLY_MASTER_KEYS")
production.require(
    _valid_key_ring(INSTAPLY_MASTER_KEYS), "INSTAPLY_MASTER_KEYS (a valid master key ring)"
)
INSTAPLY_KEY_SOURCE = env.text("INSTAPLY_KEY_SOURCE", "privacy.keys.EnvironmentKeyRing")
# Unwrapped keys stay in process memory this long: bounds how long another
# process can still read a contact erased elsewhere.
ENCRYPTION_KEY_CACHE_SECONDS = env.integer("ENCRYPTION_KEY_CACHE_SECONDS", 300)
ENCRYPTION_KEY_CACHE_SIZE = env.integer("ENCRYPTION_KEY_CACHE_SIZE", 20000)
