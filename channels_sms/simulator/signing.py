"""Webhook signatures exactly as Twilio and Vonage compute them.

Twilio: HMAC-SHA1 keyed by the account's auth token over the full URL followed
by every POST parameter name and value in sorted order, base64-encoded, sent in
`X-Twilio-Signature`. We call the SDK's own `RequestValidator` so the simulator
and our webhook cannot drift apart.

Vonage (SMS API): the `sig` parameter. Sort the parameters by name, replace `&`
and `=` inside values with `_`, join them as `&name=value&name=value`, then
either MD5 the string followed by the signature secret ("MD5 hash", the
dashboard's default) or HMAC it keyed by the secret with MD5, SHA-1, SHA-256 or
SHA-512. The HMAC variants go through the vonage SDK's `Auth.sign_params`; the
SDK has no MD5-hash mode, so that one follows Vonage's documented recipe.
Vonage's reference libraries emit MD5-hash signatures in lower case and HMAC
signatures in upper case, and so do we; verification ignores case.
"""

import hashlib
import hmac
import secrets
import time

from twilio.request_validator import RequestValidator
from vonage_http_client import Auth

TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"
VONAGE_SIGNATURE_METHODS = ("md5hash", "md5", "sha1", "sha256", "sha512")


def twilio_signature(auth_token: str, url: str, params: dict) -> str:
    """The `X-Twilio-Signature` value for a request to `url` with form `params`
    (an empty dict for GET requests, whose parameters are already in the URL)."""
    return RequestValidator(auth_token).compute_signature(url, params)


def twilio_signature_valid(auth_token: str, url: str, params: dict, signature: str) -> bool:
    return RequestValidator(auth_token).validate(url, params, signature)


def vonage_signing_string(params: dict) -> str:
    """`&name=value...` over every parameter but `sig`, sorted by name."""
    pieces = []
    for name in sorted(params):
        if name == "sig":
            continue
        value = str(params[name]).replace("&", "_").replace("=", "_")
        pieces.append(f"&{name}={value}")
    return "".join(pieces)


def vonage_signature(params: dict, secret: str, method: str = "md5hash") -> str:
    """The `sig` value for `params` (which must already hold `timestamp`)."""
    if method not in VONAGE_SIGNATURE_METHODS:
        raise ValueError(f"unknown Vonage signature method {method!r}")
    if method == "md5hash":
        # Not a security primitive here: this is the legacy scheme Vonage still offers.
        payload = (vonage_signing_string(params) + secret).encode()
        return hashlib.md5(payload, usedforsecurity=False).hexdigest()
    unsigned = {name: value for name, value in params.items() if name != "sig"}
    auth = Auth(api_key="simulator", signature_secret=secret, signature_method=method)
    return auth.sign_params(unsigned).upper()


def vonage_signature_valid(params: dict, secret: str, method: str = "md5hash") -> bool:
    received = str(params.get("sig", ""))
    expected = vonage_signature(params, secret, method)
    return bool(received) and hmac.compare_digest(received.lower(), expected.lower())


def vonage_sign(params: dict, secret: str, method: str = "md5hash", *, now=None) -> dict:
    """A copy of `params` with the `timestamp`, `nonce` and `sig` Vonage adds to
    signed webhooks."""
    signed = dict(params)
    signed["timestamp"] = str(int(now if now is not None else time.time()))
    signed["nonce"] = secrets.token_hex(16)
    signed["sig"] = vonage_signature(signed, secret, method)
    return signed
