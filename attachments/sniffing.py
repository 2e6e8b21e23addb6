"""What a file really is, from its bytes: the declared type (a browser's, a
provider's, a file name's) is never trusted. An image is recognised by Pillow,
which also reads its size in pixels (a decompression bomb is refused before it
is decoded); anything else by its magic bytes (``filetype``). A file neither
recognises, an HTML page or an SVG among them, is refused."""

import io
import warnings
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from instaply.errors import Invalid

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    size: int


def sniff(data: bytes) -> Sniffed:
    """The file's type from its content, or Invalid saying why it is refused."""
    if not data:
        raise Invalid(_("The file is empty."), code="file_empty")
    limit = settings.ATTACHMENT_MAX_BYTES
    if len(data) > limit:
        raise Invalid(
            _("The file is larger than %(limit)s MB.") % {"limit": limit // (1024 * 1024) or 1},
            code="file_too_large",
        )
    content_type = _image_type(data) or _other_type(data)
    if content_type not in settings.ATTACHMENT_ALLOWED_TYPES:
        raise Invalid(_("This type of file is not accepted."), code="file_type_refused")
    return Sniffed(content_type=content_type, size=len(data))


def _image_type(data: bytes) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = IMAGE_TYPES.get(image.format or "", "")
                if kind and image.width * image.height > settings.ATTACHMENT_MAX_PIXELS:
                    raise Invalid(_("The image is too large."), code="image_too_large")
                if kind:
                    image.verify()  # a truncated or corrupt image is refused here
                return kind
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return ""
    except (OSError, SyntaxError, ValueError):
        return ""  # what Pillow raises for a broken image: not an image


def _other_type(data: bytes) -> str:
    kind = filetype.guess(data)
    if kind is None or kind.mime.startswith("image/"):
        return ""  # an image Pillow did not accept is not one
    return kind.mime
