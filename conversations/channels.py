"""The channel interface: how a reply leaves the platform.

A channel app registers one ``Channel`` per kind ("widget" here, "sms" in
channels_sms). Services call ``channel_for(conversation.channel)`` and never
know which provider is behind it.
"""

from typing import Protocol


class Channel(Protocol):
    kind: str

    def dispatch(self, *, message_id) -> None:
        """Hands a queued outbound message over; called after commit, must not block."""

    def refusal(self, *, conversation, contact) -> str | None:
        """A channel-specific reason a reply cannot go out now (None when it can).
        Opt-outs and restricted processing are checked by the caller for every channel."""

    def check_body(self, *, body: str) -> None:
        """Raises instaply.errors.Invalid when the channel cannot carry this body."""


_registry: dict[str, Channel] = {}


def register(channel: Channel) -> None:
    _registry[channel.kind] = channel


def channel_for(kind: str) -> Channel:
    try:
        return _registry[kind]
    except KeyError:
        raise LookupError(f"No channel registered for {kind!r}") from None


def registered_kinds() -> list[str]:
    return sorted(_registry)
