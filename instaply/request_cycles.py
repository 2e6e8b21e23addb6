"""Breaking the reference cycles a served request leaves, so that its objects
are freed by reference counting when the answer has gone, not by the cyclic
garbage collector.

DRF and Django's messages tie a request in loops: the view holds its answer,
whose renderer context holds the view; DRF's request holds its parser context,
which holds the request and the view; the messages storage holds the request
that holds it. Nothing in such a loop is freed until the collector runs, so a
page request left its whole page behind (its rows, their values, the answer's
dictionaries: some 650 objects on a thread page), the collector ran about once
a request and went through all of it: 13 to 16 % of a page's CPU
(bench/inbox_bench.py, docs/scaling.md). Everything here is read while the
answer is built and rendered, never after.
"""

import functools

from django.utils.functional import SimpleLazyObject, empty


def request_cycles_break(request, response) -> None:
    """Call once the response is rendered (outside every other middleware)."""
    context = getattr(response, "renderer_context", None)
    if context:
        response.renderer_context = None
        view, api_request = context.get("view"), context.get("request")
        if api_request is not None:
            api_request.parser_context = None
        if view is not None:
            # Django's View.setup() gives the view its own bound get as head.
            for name in ("response", "request", "head"):
                view.__dict__.pop(name, None)
    state = request.__dict__
    state.pop("_messages", None)  # the storage holds the request
    state.pop("auser", None)  # a partial of the request (AuthenticationMiddleware)
    for name in ("user", "_cached_user"):
        user = state.get(name)
        # A lazy user holds a function of the request; once read, the user it gave.
        if isinstance(user, SimpleLazyObject):
            if user._wrapped is empty:
                continue
            user = state[name] = user._wrapped
        # django-otp gives each user an is_verified partial of itself.
        if isinstance(getattr(user, "__dict__", {}).get("is_verified"), functools.partial):
            del user.__dict__["is_verified"]
