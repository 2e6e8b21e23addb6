"""Serves the widget's script for a shop's website."""

import json

from django.conf import settings
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET

from conversations.models import Widget
from conversations.widget.language import widget_strings
from privacy.policies.selectors import version_in_force


@require_GET
def widget_script(request, widget_key: str):
    widgets = Widget.objects.dangerously_unscoped(reason="the public widget key finds its tenant")
    widget = (
        widgets.filter(public_key=widget_key, active=True).only("colour", "text_colour").first()
    )
    if widget is None:
        raise Http404("No widget with this key.")
    config = {
        "key": widget_key,
        # The brand colours are in the script itself: the bubble's first paint has
        # them, before any API call (a change shows once the script's cache expires).
        "colour": widget.colour,
        "text_colour": widget.text_colour,
        # The widget's words in every language; the script picks the visitor's.
        "strings": widget_strings(),
        "api": settings.PUBLIC_BASE_URL,
        # The privacy policy the visitor's data is collected under (privacy.policies).
        "policy_url": settings.PUBLIC_BASE_URL + reverse("policies:public"),
        "policy_version": version_in_force(),
        # What the files endpoint accepts (attachments.sniffing): the picker offers
        # these types and a file over the limit is refused before it is uploaded.
        "files": {
            "types": list(settings.ATTACHMENT_ALLOWED_TYPES),
            "max_bytes": settings.ATTACHMENT_MAX_BYTES,
        },
    }
    script = render_to_string(
        "conversations/widget.js", {"config_json": json.dumps(config).replace("<", "\\u003c")}
    )
    response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
    # Public and cacheable: it holds the widget key, which is public by design.
    response["Cache-Control"] = "public, max-age=300"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
