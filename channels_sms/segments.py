"""How a text becomes SMS segments (3GPP TS 23.038 encoding, TS 23.040 concatenation).

One module for the platform and its provider simulator (which imports it without
Django), so what we tell an agent about a draft is what the simulated carrier does.

Twilio reports `num_segments`; Vonage returns one message id per part and delivers
long inbound texts as separate, concatenated parts. Both follow the same rule: a
text that fits the GSM 7-bit alphabet travels in 160-character segments (153 once
a concatenation header is needed, extension characters counting twice); anything
else travels as UCS-2 in 70 code units (67 when concatenated).
"""

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "\f^{}\\[~]|€"

_GSM7_SINGLE, _GSM7_DOUBLE = frozenset(GSM7_BASIC), frozenset(GSM7_EXTENSION)
_LIMITS = {"gsm7": (160, 153), "ucs2": (70, 67)}


def encoding(text: str) -> str:
    """`gsm7` when every character has a GSM 7-bit septet, else `ucs2`."""
    allowed = _GSM7_SINGLE | _GSM7_DOUBLE
    return "gsm7" if all(char in allowed for char in text) else "ucs2"


def _units(char: str, scheme: str) -> int:
    if scheme == "gsm7":
        return 2 if char in _GSM7_DOUBLE else 1
    return 2 if ord(char) > 0xFFFF else 1  # a surrogate pair in UTF-16


def split_parts(text: str) -> list[str]:
    """The text cut into the parts a handset would send, never splitting an
    escape sequence or a surrogate pair across two parts."""
    scheme = encoding(text)
    single, concatenated = _LIMITS[scheme]
    if sum(_units(char, scheme) for char in text) <= single:
        return [text]
    parts, current, used = [], [], 0
    for char in text:
        size = _units(char, scheme)
        if used + size > concatenated:
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += size
    parts.append("".join(current))
    return parts


def segment_count(text: str) -> int:
    return len(split_parts(text)) if text else 1


ENCODING_LABELS = {"gsm7": "GSM-7", "ucs2": "UCS-2"}


def summary(text: str) -> dict:
    """What a draft costs: encoding, segments and characters (code points)."""
    return {
        "encoding": ENCODING_LABELS[encoding(text)],
        "segments": segment_count(text),
        "characters": len(text),
    }
