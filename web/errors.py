"""Error pages in the site's own look, in the reader's language."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def _page(request, status: int, title: str, message: str):
    response = render(
        request,
        "web/error.html",
        {"status": status, "title": title, "message": message},
        status=status,
    )
    # The frame may name the signed-in person: never cached.
    response["Cache-Control"] = "private, no-store"
    return response


def page_bad_request(request, exception=None):
    return _page(request, 400, _("Bad request"), _("The request could not be understood."))


def page_permission_denied(request, exception=None):
    return _page(request, 403, _("Not allowed"), _("Your role does not allow this action."))


def page_not_found(request, exception=None):
    return _page(request, 404, _("Not found"), _("There is nothing at this address."))


def page_server_error(request):
    return _page(
        request, 500, _("Something went wrong"), _("We have been told and will look into it.")
    )


def page_too_many_requests(request, retry_after: int):
    return _page(
        request,
        429,
        _("Too many attempts"),
        ngettext(
            "Please wait %(seconds)s second before trying again.",
            "Please wait %(seconds)s seconds before trying again.",
            retry_after,
        )
        % {"seconds": retry_after},
    )


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: usually a form left open past its session."""
    return _page(
        request,
        403,
        _("This form has expired"),
        _("Go back, reload the page and try again."),
    )
