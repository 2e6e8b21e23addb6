"""The client's IP address, by one trusted-proxy rule for the whole platform.

Lockouts, rate limits and the audit log must agree on who is calling, and none
of them may trust a header the client can write. ``TRUSTED_PROXY_COUNT`` says
how many reverse proxies of ours stand in front of Django, each appending the
address it received the connection from to ``X-Forwarded-For``:

- ``0`` (the default): nothing is trusted; the address is the TCP peer,
  ``REMOTE_ADDR``. Any ``X-Forwarded-For`` is the client's own invention.
- ``N`` > 0: the client is the N-th address from the right of
  ``X-Forwarded-For``; whatever stands further left was written by the client.
  A request carrying fewer addresses did not come through our proxies, so the
  TCP peer is the only address we know.
"""

import ipaddress

from django.conf import settings
from ipware import get_client_ip


def client_ip(request) -> str | None:
    """The caller's address in canonical form, or None when there is no valid one."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        # python-ipware reads the chain client-first; with proxy_count=N-1 and a
        # non-strict check it takes the N-th entry from the right, and refuses
        # a chain shorter than N.
        ip, _routable = get_client_ip(
            request,
            proxy_order="left-most",
            proxy_count=count - 1,
            request_header_order=["HTTP_X_FORWARDED_FOR"],
            strict=False,
        )
        if ip:
            return _canonical(ip)
    return _canonical(request.META.get("REMOTE_ADDR", ""))


def _canonical(value: str) -> str | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.compressed
