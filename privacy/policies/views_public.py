"""The privacy policy, public: anyone (a widget's visitor, a tenant's customer)
reads the version in force or any published one, in English or French.

The language is ``?lang=en|fr`` when given (the widget passes its visitor's),
else the reader's (their setting, the language cookie, the browser's). Drafts
are never shown: an unknown or unpublished label is a 404.
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from privacy.policies import selectors
from privacy.policies.announce import effective_label

LANGUAGES = {code for code, _ in settings.LANGUAGES}


def _language(request) -> str:
    asked = request.GET.get("lang", "")[:8].lower()
    if asked in LANGUAGES:
        return asked
    current = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return current if current in LANGUAGES else settings.LANGUAGE_CODE


def _page(request, version):
    language = _language(request)
    now = timezone.now()
    current = selectors.version_current(now)
    with translation.override(language):
        response = render(
            request,
            "policies/public.html",
            {
                "version": version,
                "current": current,
                "text": getattr(version, f"text_{language}") if version else "",
                "effective": effective_label(version) if version else "",
                "scheduled": version is not None and version.effective_at > now,
                "others": [
                    {"version": v, "effective": effective_label(v)}
                    for v in selectors.published_list()
                ],
                "language": language,
            },
        )
    response["Content-Language"] = language
    return response


@require_GET
def in_force(request):
    return _page(request, selectors.version_current())


@require_GET
def version_page(request, version: str):
    found = selectors.published_get(version=version[:32])
    if found is None:
        raise Http404
    return _page(request, found)
