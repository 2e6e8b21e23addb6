"""How a stored file leaves our origin: never as a page.

Only the sniffed type is sent (the bytes were checked to be that type), with
``nosniff`` so no browser guesses another, a content security policy that
sandboxes the response and allows nothing to load or run, and any file that is
not an image as a download (``Content-Disposition: attachment``)."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header

POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"


def file_response(data: bytes, *, content_type: str, name: str, inline: bool) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    image = content_type.startswith("image/")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=not (inline and image), filename=name or "file"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = POLICY
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
