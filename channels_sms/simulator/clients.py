"""Pointing the real `twilio` and `vonage` SDKs at the simulator over plain HTTP.

Neither SDK lets a caller change its scheme: twilio builds `https://api.twilio.com/...`
and vonage builds `https://{host}{path}`. The hooks here sit at the HTTP layer,
below everything the SDKs do themselves (request building, auth, signing,
response parsing, errors), and send every request to the simulator instead:

- twilio: `TwilioSimulatorHttpClient`, a `TwilioHttpClient` (passed as the
  client's `http_client`, a documented constructor argument) that rewrites any
  `https://*.twilio.com` URL to the simulator's base URL.
- vonage: `point_vonage_at_simulator` mounts a requests transport adapter on the
  SDK's session that rewrites any `https://` URL to the simulator; it keeps the
  SDK's own retry policy. The session is a private attribute of the SDK's
  HttpClient, so the tests pin this down and the function fails loudly if a new
  SDK version moves it.

Because both hooks catch every host of their SDK, nothing sent through a
simulator client can ever reach the real provider.
"""

from urllib.parse import urlsplit, urlunsplit

from requests.adapters import HTTPAdapter
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client as TwilioClient
from vonage import Auth, Vonage


def _rebase(url: str, base_url: str) -> str:
    """`url` with the scheme and host of `base_url` (path, query kept)."""
    target, original = urlsplit(base_url), urlsplit(url)
    prefix = target.path.rstrip("/")
    return urlunsplit(
        (target.scheme, target.netloc, prefix + original.path, original.query, original.fragment)
    )


class TwilioSimulatorHttpClient(TwilioHttpClient):
    """The twilio SDK's own HTTP client, sending to the simulator instead of Twilio."""

    def __init__(self, simulator_url: str, **kwargs):
        super().__init__(**kwargs)
        self.simulator_url = simulator_url.rstrip("/")
        if self.session is not None:
            # Plain HTTP gets the same pooled, retrying adapter the SDK mounted for HTTPS.
            self.session.mount("http://", self.session.get_adapter("https://api.twilio.com"))
            # The simulator is local: an HTTP(S)_PROXY of the machine must not catch it.
            self.session.trust_env = False

    def request(self, method, url, *args, **kwargs):
        host = urlsplit(url).hostname or ""
        if host == "twilio.com" or host.endswith(".twilio.com"):
            url = _rebase(url, self.simulator_url)
        return super().request(method, url, *args, **kwargs)


def twilio_client_for(
    simulator_url: str,
    account_sid: str,
    auth_token: str,
    *,
    api_key: tuple[str, str] | None = None,
) -> TwilioClient:
    """A real `twilio.rest.Client` that talks to the simulator. Authenticates with
    the account sid and auth token, or with `api_key=(key_sid, key_secret)`."""
    username, password = api_key or (account_sid, auth_token)
    return TwilioClient(
        username,
        password,
        account_sid=account_sid,
        http_client=TwilioSimulatorHttpClient(simulator_url),
        environment={},  # ignore TWILIO_* variables of the machine running the tests
    )


class _SimulatorAdapter(HTTPAdapter):
    """Sends each request to the simulator, whatever https host it named."""

    def __init__(self, simulator_url: str, like: HTTPAdapter):
        super().__init__(max_retries=like.max_retries)
        self.simulator_url = simulator_url.rstrip("/")

    def send(self, request, *args, **kwargs):
        request.url = _rebase(request.url, self.simulator_url)
        # Proxies were chosen for the provider's host; the simulator is local.
        kwargs["proxies"] = {}
        return super().send(request, *args, **kwargs)


def point_vonage_at_simulator(client: Vonage, simulator_url: str) -> Vonage:
    """Makes an existing `vonage.Vonage` client send everything to the simulator."""
    session = getattr(client.http_client, "_session", None)
    if session is None:
        raise RuntimeError(
            "this vonage SDK version keeps no requests session on its HttpClient; "
            "update channels_sms.simulator.clients.point_vonage_at_simulator"
        )
    session.mount("https://", _SimulatorAdapter(simulator_url, session.get_adapter("https://")))
    return client


def vonage_client_for(
    simulator_url: str,
    api_key: str,
    api_secret: str | None = None,
    *,
    signature_secret: str | None = None,
    signature_method: str = "md5",
) -> Vonage:
    """A real `vonage.Vonage` client that talks to the simulator. With a
    `signature_secret` the SDK signs its SMS requests (`sig`) instead of sending
    the secret; `signature_method` is the SDK's: md5 (HMAC), sha1, sha256, sha512."""
    auth = Auth(
        api_key=api_key,
        api_secret=api_secret,
        signature_secret=signature_secret,
        signature_method=signature_method,
    )
    # The hosts only need to be valid; every request is rebased onto the simulator.
    client = Vonage(auth)
    return point_vonage_at_simulator(client, simulator_url)
