"""One trusted-proxy rule for the client's address."""

import pytest
from django.test import RequestFactory

from instaply.client_ip import client_ip

rf = RequestFactory()


def _request(remote="10.0.0.9", forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return rf.get("/", REMOTE_ADDR=remote, **extra)


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(remote="203.0.113.7", forwarded="198.51.100.1")) == "203.0.113.7"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        # One proxy appends the address it saw; anything further left is the client's invention.
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (2, "garbage, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        # Fewer addresses than proxies: the request bypassed them; only the peer is known.
        (2, "198.51.100.1", "10.0.0.9"),
        (1, "", "10.0.0.9"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
    ],
)
def test_behind_proxies_the_client_is_counted_from_the_right(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(forwarded=forwarded)) == expected


def test_addresses_are_canonical_and_invalid_ones_are_none(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(remote="2001:DB8:0:0::1")) == "2001:db8::1"
    assert client_ip(_request(remote="::ffff:192.0.2.5")) == "192.0.2.5"
    assert client_ip(_request(remote="")) is None
    assert client_ip(_request(remote="not-an-ip")) is None
