"""SMS keywords: opting out, opting back in, asking for help.

As carriers and Twilio match them: the whole message is the keyword, in any
case, surrounding spaces and a final punctuation mark ignored. "Stop sending me
promos" is a message for a person, not an opt-out.
"""

import re
from enum import StrEnum

STOP = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
START = frozenset({"START", "YES", "UNSTOP"})
HELP = frozenset({"HELP", "INFO"})

_TRAILING = re.compile(r"[\s.!?]+$")


class Keyword(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"


def keyword_word(body: str) -> str:
    """The word as matched: "UNSUBSCRIBE" for " unsubscribe. " (for the consent ledger)."""
    return _TRAILING.sub("", (body or "").strip()).upper()


def keyword_of(body: str) -> Keyword | None:
    word = keyword_word(body)
    if word in STOP:
        return Keyword.STOP
    if word in START:
        return Keyword.START
    if word in HELP:
        return Keyword.HELP
    return None


def help_text(shop) -> str:
    """The shop's own HELP answer, or a plain one naming the shop and the keywords."""
    return (
        shop.help_text or f"{shop.name}: reply to this number to reach us. Reply STOP to opt out."
    )
