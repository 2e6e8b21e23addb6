"""Everything the simulator remembers, in memory, behind one lock.

Handler threads, the callback scheduler and the test thread all read and write
here; every change wakes `changed` so tests and long-polls can wait for traffic
instead of sleeping.
"""

import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

PROVIDERS = ("twilio", "vonage")
STOP_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
)
START_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})


def utcnow() -> datetime:
    return datetime.now(UTC)


def _after(item, since: "int | datetime") -> bool:
    if isinstance(since, datetime):
        return item.created_at > since
    return item.seq > since


@dataclass
class Account:
    """A provider account our platform holds credentials for.

    `sid`/`secret` are the Twilio AccountSid and auth token, or the Vonage API
    key and secret. `status_callback_url` is the fallback when a send names none
    (Twilio) or the account's delivery-receipt URL (Vonage)."""

    provider: str
    sid: str
    secret: str
    inbound_webhook_url: str = ""
    status_callback_url: str = ""
    webhook_method: str = "POST"
    signature_secret: str = ""
    signature_method: str = "md5hash"
    numbers: list[str] = field(default_factory=list)
    messaging_services: dict[str, list[str]] = field(default_factory=dict)
    api_keys: dict[str, str] = field(default_factory=dict)

    def owns(self, number: str) -> bool:
        pooled = (n for pool in self.messaging_services.values() for n in pool)
        return number in self.numbers or number in pooled

    def service_of(self, number: str) -> str | None:
        """The Messaging Service whose sender pool holds `number`, if any."""
        return next((sid for sid, pool in self.messaging_services.items() if number in pool), None)

    def as_json(self) -> dict:
        return asdict(self)


@dataclass
class SmsRecord:
    """One text, outbound (shop to phone) or inbound (phone to shop)."""

    seq: int
    sid: str
    provider: str
    account_sid: str
    direction: str
    from_: str
    to: str
    body: str
    status: str
    media: list[dict] = field(default_factory=list)
    num_segments: int = 1
    error_code: int | None = None
    messaging_service_sid: str | None = None
    status_callback: str = ""
    client_ref: str = ""
    part_ids: list[str] = field(default_factory=list)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    sent_at: datetime | None = None

    @property
    def phone(self) -> str:
        return self.to if self.direction == "outbound" else self.from_

    @property
    def shop(self) -> str:
        return self.from_ if self.direction == "outbound" else self.to

    def as_json(self) -> dict:
        return {
            "seq": self.seq,
            "sid": self.sid,
            "provider": self.provider,
            "account_sid": self.account_sid,
            "direction": self.direction,
            "from": self.from_,
            "to": self.to,
            "body": self.body,
            "media": list(self.media),
            "status": self.status,
            "error_code": self.error_code,
            "num_segments": self.num_segments,
            "messaging_service_sid": self.messaging_service_sid,
            "status_callback": self.status_callback,
            "client_ref": self.client_ref,
            "part_ids": list(self.part_ids),
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass
class Fault:
    """The next `remaining` send requests (of `provider`, or any) get this answer.

    With `seconds`, a window instead: every send request until `until` (a
    time.monotonic() value) gets it, whatever `remaining` says; faults of
    overlapping windows take turns. With `delay`, the answer is held that long
    first: a provider that times out (the caller's timeout ends the call, and
    the text is not accepted either way), or with status 201 a slow provider
    that accepts the text after the delay (Twilio only)."""

    remaining: int
    status: int
    code: int | None = None
    provider: str | None = None
    seconds: float | None = None
    delay: float = 0.0
    until: float | None = None


@dataclass
class Destination:
    """How the simulated network treats texts to one number, until cleared.

    `outcome`: delivered, undelivered (sent, then lost: Twilio 30003), failed
    (never left: Twilio 30008) or rejected (refused at send time with
    `error_code`, e.g. Twilio 21614)."""

    outcome: str = "delivered"
    error_code: int | None = None
    vonage_status: str | None = None
    vonage_err_code: str | None = None

    def as_json(self) -> dict:
        return asdict(self)


@dataclass
class Delivery:
    """One request the simulator made to our webhooks, and what it answered."""

    seq: int
    kind: str  # "status", "inbound" or "dlr"
    provider: str
    message_sid: str
    url: str
    method: str
    params: dict
    headers: dict
    status: int | None
    body: str
    error: str | None = None
    at: datetime = field(default_factory=utcnow)

    def as_json(self) -> dict:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data


class SimulatorState:
    def __init__(self):
        self.changed = threading.Condition(threading.RLock())
        self.status_delay = 0.05
        self._clear(accounts=True)

    def _clear(self, *, accounts: bool):
        if accounts:
            self._accounts: dict[tuple[str, str], Account] = {}
        self._messages: list[SmsRecord] = []
        self._by_sid: dict[str, SmsRecord] = {}
        self._faults: deque[Fault] = deque()
        self._destinations: dict[str, Destination] = {}
        self._opted_out: set[tuple[str, str]] = set()
        self._deliveries: list[Delivery] = []
        self._seq = 0

    def reset(self, *, accounts: bool = False):
        with self.changed:
            self._clear(accounts=accounts)
            self.changed.notify_all()

    def next_seq(self) -> int:
        with self.changed:
            self._seq += 1
            return self._seq

    # Accounts

    def add_account(self, account: Account) -> Account:
        with self.changed:
            self._accounts[(account.provider, account.sid)] = account
            return account

    def account(self, provider: str, sid: str) -> Account | None:
        with self.changed:
            return self._accounts.get((provider, sid))

    def accounts(self, provider: str | None = None) -> list[Account]:
        with self.changed:
            return [a for a in self._accounts.values() if provider in (None, a.provider)]

    # Messages

    def add_message(self, record: SmsRecord) -> SmsRecord:
        with self.changed:
            self._messages.append(record)
            self._by_sid[record.sid] = record
            for part_id in record.part_ids:
                self._by_sid[part_id] = record
            self.changed.notify_all()
            return record

    def update_message(self, sid: str, **changes) -> SmsRecord | None:
        """The updated record, or None when a reset forgot it in the meantime."""
        with self.changed:
            record = self._by_sid.get(sid)
            if record is None:
                return None
            for name, value in changes.items():
                setattr(record, name, value)
            record.updated_at = utcnow()
            self.changed.notify_all()
            return record

    def message(self, sid: str) -> SmsRecord | None:
        with self.changed:
            return self._by_sid.get(sid)

    def messages(self, **filters) -> list[SmsRecord]:
        """Records in arrival order. Filters: provider, account_sid, direction,
        from_, to, phone, shop (exact), since (strictly after a seq or a datetime)."""
        since = filters.pop("since", None)
        with self.changed:
            return [
                record
                for record in self._messages
                if (since is None or _after(record, since))
                and all(
                    value is None or getattr(record, name) == value
                    for name, value in filters.items()
                )
            ]

    # Faults and destinations

    def add_fault(self, fault: Fault):
        with self.changed:
            self._faults.append(fault)

    def faults(self) -> list[Fault]:
        with self.changed:
            return list(self._faults)

    def clear_faults(self):
        with self.changed:
            self._faults.clear()

    def take_fault(self, provider: str) -> Fault | None:
        """Consumes one use of the first fault that applies to `provider`."""
        with self.changed:
            now = time.monotonic()
            for fault in list(self._faults):
                if fault.until is not None and fault.until <= now:
                    self._faults.remove(fault)  # its window is over
            for fault in self._faults:
                if fault.provider not in (None, provider):
                    continue
                if fault.until is not None:
                    self._faults.remove(fault)  # to the back: windows take turns
                    self._faults.append(fault)
                    return fault
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
            return None

    def set_destination(self, number: str, rule: Destination | None):
        with self.changed:
            if rule is None:
                self._destinations.pop(number, None)
            else:
                self._destinations[number] = rule

    def destination(self, number: str) -> Destination:
        with self.changed:
            return self._destinations.get(number, Destination())

    def destinations(self) -> dict[str, Destination]:
        with self.changed:
            return dict(self._destinations)

    # Opt-outs: the carrier-level STOP/START that Twilio enforces with error 21610.

    def note_keyword(self, *, phone: str, shop: str, body: str):
        keyword = " ".join(body.split()).upper()
        with self.changed:
            if keyword in STOP_KEYWORDS:
                self._opted_out.add((phone, shop))
            elif keyword in START_KEYWORDS:
                self._opted_out.discard((phone, shop))

    def opted_out(self, *, phone: str, shop: str) -> bool:
        with self.changed:
            return (phone, shop) in self._opted_out

    def opt_outs_of(self, phone: str) -> list[str]:
        with self.changed:
            return sorted(shop for who, shop in self._opted_out if who == phone)

    # Deliveries

    def record_delivery(self, **fields) -> Delivery:
        with self.changed:
            self._seq += 1
            delivery = Delivery(seq=self._seq, **fields)
            self._deliveries.append(delivery)
            self.changed.notify_all()
            return delivery

    def deliveries(self, **filters) -> list[Delivery]:
        since = filters.pop("since", None)
        with self.changed:
            return [
                delivery
                for delivery in self._deliveries
                if (since is None or delivery.seq > since)
                and all(
                    value is None or getattr(delivery, name) == value
                    for name, value in filters.items()
                )
            ]

    def wait_for(self, predicate, timeout: float):
        """Blocks until `predicate()` returns something truthy (returned) or
        `timeout` seconds pass (then returns the last falsy result)."""
        with self.changed:
            return self.changed.wait_for(predicate, timeout=timeout)
