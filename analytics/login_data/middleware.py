"""Records what a signed-in session does: the routes it uses, counted per
workspace, and its activity, for its login-data row.

Cheap by construction: an ordinary request reads only the session, already
loaded by the middlewares before it, and adds to a counter in memory. The row
is written once a minute, on the request where instaply.session_idle moves
the session's activity mark (a request that saves the session anyway), or at
once when the session key changed (second factor, password change), so that
the row can always end the current session.
"""

from analytics.login_data import pending
from analytics.login_data.services import STATE_KEY, login_session_mark, route_key
from instaply.session_idle import BACKGROUND_HEADER, LAST_SEEN_KEY


class LoginDataMiddleware:
    """Runs after instaply.session_idle.SessionIdleTimeoutMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._record(request, response)
        return response

    @staticmethod
    def _record(request, response) -> None:
        session = request.session
        state = session.get(STATE_KEY)
        if not state:
            return  # signed in before login data was recorded
        route = _route(request)
        if route and request.headers.get(BACKGROUND_HEADER) != "1":
            # A page left open polls the live feed forever: that is no use of a route.
            pending.add(state["id"], route_key(_tenant_id(request, response)), route)
        mark = session.get(LAST_SEEN_KEY)
        if mark != state.get("seen") or session.session_key != state.get("key"):
            login_session_mark(session=session, state=state, mark=mark)


def _route(request) -> str:
    """The route's name, or its pattern when it has none: never the URL, which may
    carry ids or a query."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    return (match.view_name if match.url_name else match.route)[:200]


def _tenant_id(request, response):
    """The workspace the request acted in: set on the request by the page decorator
    (web.tenancy), on the API view by tenants.api.base."""
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        view = (getattr(response, "renderer_context", None) or {}).get("view")
        tenant = getattr(view, "tenant", None)
    return getattr(tenant, "pk", None)
