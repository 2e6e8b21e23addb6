"""The type of a file comes from its bytes; the limits come from settings."""

import io

import pytest
from PIL import Image

from attachments.sniffing import sniff
from attachments.tests.conftest import HTML_AS_PNG, SVG, pdf_bytes, png_bytes
from instaply.errors import Invalid


def test_an_image_is_known_by_its_content():
    assert sniff(png_bytes()).content_type == "image/png"
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, format="JPEG")
    assert sniff(out.getvalue()).content_type == "image/jpeg"
    assert sniff(pdf_bytes()).content_type == "application/pdf"


@pytest.mark.parametrize(
    "data",
    [
        HTML_AS_PNG,
        SVG,
        b"\x89PNG\r\n\x1a\n" + HTML_AS_PNG,  # a PNG signature in front of a page
        b"plain words, no magic",
        b"MZ\x90\x00" + b"\x00" * 200,  # a Windows executable
    ],
)
def test_what_is_not_an_accepted_type_is_refused(data):
    with pytest.raises(Invalid) as refused:
        sniff(data)
    assert refused.value.code == "file_type_refused"


def test_the_size_limit_is_the_setting(settings):
    data = png_bytes()
    settings.ATTACHMENT_MAX_BYTES = len(data) - 1
    with pytest.raises(Invalid) as refused:
        sniff(data)
    assert refused.value.code == "file_too_large"
    settings.ATTACHMENT_MAX_BYTES = len(data)
    assert sniff(data).size == len(data)


def test_a_type_not_allowed_by_the_setting_is_refused(settings):
    settings.ATTACHMENT_ALLOWED_TYPES = ["image/png"]
    with pytest.raises(Invalid):
        sniff(pdf_bytes())


def test_an_image_of_too_many_pixels_is_refused(settings):
    settings.ATTACHMENT_MAX_PIXELS = 100 * 100
    with pytest.raises(Invalid) as refused:
        sniff(png_bytes(101, 100))
    assert refused.value.code == "image_too_large"


def test_empty_is_refused():
    with pytest.raises(Invalid):
        sniff(b"")
