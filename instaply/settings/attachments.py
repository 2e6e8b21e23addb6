"""Files in conversations (attachments, docs/security.md "Attachments")."""

from instaply import env
from instaply.settings.base import VAR_DIR

# Where encrypted attachment files go: a Django storage backend (dotted path)
# and its location for the file system one. Anything Django's storage API
# offers works: only ciphertext reaches it.
ATTACHMENTS_STORAGE_BACKEND = env.text(
    "ATTACHMENTS_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
)
ATTACHMENTS_STORAGE_LOCATION = env.text("ATTACHMENTS_STORAGE_LOCATION") or str(
    VAR_DIR / "attachments"
)
# The largest file accepted, from a visitor, an MMS or a member.
ATTACHMENT_MAX_BYTES = env.integer("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# The types accepted, as sniffed from the content (never the declared type).
ATTACHMENT_ALLOWED_TYPES = env.listing(
    "ATTACHMENT_ALLOWED_TYPES",
    [
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "application/pdf",
        "audio/mpeg",
        "audio/amr",
        "audio/ogg",
        "video/mp4",
        "video/3gpp",
    ],
)
# Images larger than this many pixels are refused (decompression bombs).
ATTACHMENT_MAX_PIXELS = env.integer("ATTACHMENT_MAX_PIXELS", 40_000_000)
# How long a link sent to a customer for a file serves it.
ATTACHMENT_LINK_SECONDS = env.integer("ATTACHMENT_LINK_SECONDS", 7 * 24 * 3600)
# The largest file sent as an MMS (Twilio's limit is 5 MB per message).
ATTACHMENT_MMS_MAX_BYTES = env.integer("ATTACHMENT_MMS_MAX_BYTES", 5 * 1024 * 1024)
THUMBNAIL_SIZE = 320

# The storage alias the attachments app writes through (storages["attachments"]).
from instaply.settings.application import STORAGES  # noqa: E402

STORAGES["attachments"] = {
    "BACKEND": ATTACHMENTS_STORAGE_BACKEND,
    "OPTIONS": {"location": ATTACHMENTS_STORAGE_LOCATION}
    if ATTACHMENTS_STORAGE_BACKEND.endswith("FileSystemStorage")
    else {},
}
