"""Content-Security-Policy on every response, and the two ways a view may relax it.

The policy allows our own scripts, styles and images only: no inline script,
no inline style, no framing. A view that truly needs more says so with a
decorator, and only that view gets it:

    @csp_extend(style_src=["'unsafe-inline'"], worker_src=["blob:"])
    def docs(request): ...

    @frameable(origins=["https://shop.example"])    # or set response.frame_ancestors
    def widget_frame(request): ...

X-Frame-Options: DENY comes from Django's XFrameOptionsMiddleware; ``frameable``
exempts its view from it as well.
"""

from collections.abc import Iterable
from functools import wraps

CSP_HEADER = "Content-Security-Policy"

POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:"),
    "frame-ancestors": ("'none'",),
    "base-uri": ("'none'",),
    "form-action": ("'self'",),
    "object-src": ("'none'",),
}


def build_policy(
    extra: dict[str, Iterable[str]] | None = None, frame_ancestors: Iterable[str] | None = None
) -> str:
    directives = {name: list(sources) for name, sources in POLICY.items()}
    for name, sources in (extra or {}).items():
        # A directive not in the policy falls back to default-src in browsers: start from it.
        current = directives.setdefault(name, list(POLICY["default-src"]))
        current.extend(s for s in sources if s not in current)
    if frame_ancestors:
        directives["frame-ancestors"] = list(frame_ancestors)
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if CSP_HEADER not in response:
            response[CSP_HEADER] = build_policy(
                getattr(response, "csp_extra", None), getattr(response, "frame_ancestors", None)
            )
        return response


def csp_extend(**directives: Iterable[str]):
    """Adds sources for one view: ``style_src=[...]`` extends ``style-src``."""
    extra = {name.replace("_", "-"): tuple(sources) for name, sources in directives.items()}

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.csp_extra = extra
            return response

        return wrapper

    return decorator


def frameable(origins: Iterable[str] = ()):
    """Lets other sites frame this view (the future website widget).

    The framing origins come from ``origins`` or, when they depend on the request
    (a widget's allowed origins), from ``response.frame_ancestors`` set by the
    view. With neither, the page stays unframeable by CSP-aware browsers.
    """
    fixed = tuple(origins)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.xframe_options_exempt = True
            if not getattr(response, "frame_ancestors", None):
                response.frame_ancestors = fixed or ("'none'",)
            return response

        wrapper.frameable = True
        return wrapper

    return decorator
