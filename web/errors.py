"""Error pages in the site's own look."""

from django.shortcuts import render


def _page(request, status: int, title: str, message: str):
    return render(
        request,
        "web/error.html",
        {"status": status, "title": title, "message": message},
        status=status,
    )


def page_bad_request(request, exception=None):
    return _page(request, 400, "Bad request", "The request could not be understood.")


def page_permission_denied(request, exception=None):
    return _page(request, 403, "Not allowed", "Your role does not allow this action.")


def page_not_found(request, exception=None):
    return _page(request, 404, "Not found", "There is nothing at this address.")


def page_server_error(request):
    return _page(request, 500, "Something went wrong", "We have been told and will look into it.")


def page_too_many_requests(request, retry_after: int):
    return _page(
        request,
        429,
        "Too many attempts",
        f"Please wait {retry_after} seconds before trying again.",
    )
