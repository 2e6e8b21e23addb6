"""Thumbnails: the image decoded and re-encoded by Pillow (what the browser gets
is Pillow's PNG or JPEG, never the sender's bytes)."""

import io

from django.conf import settings
from PIL import Image, ImageOps


def thumbnail_of(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)  # the first frame of an animation
        picture = ImageOps.exif_transpose(image)
        picture.thumbnail((settings.THUMBNAIL_SIZE, settings.THUMBNAIL_SIZE))
        if picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        out = io.BytesIO()
        picture.save(out, format="JPEG", quality=80)  # no metadata carried over
        return out.getvalue()


THUMBNAIL_TYPE = "image/jpeg"
