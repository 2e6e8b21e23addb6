"""The Django side of bench/load.py: a tenant with a Twilio number and an agent,
its signed texts, the provider simulator, and the counts read back at the end.

Imported once Django is set up (bench/load.py imports bench/live_bench.py first).
"""

import contextlib
import http.client
import time
import uuid

from _load_mix import PROXIED, WEBHOOK

from bench.webhook_bench import bench_tenant, signed_requests
from channels_sms.simulator import SimulatorServer
from conversations.models import Conversation, Message
from tenants.models import Membership, Role, User
from tenants.services.tokens import api_token_create


class World:
    """One tenant of the bench: a shop's Twilio number, texted by ``phones`` end-users,
    read and answered by an agent through the API."""

    def __init__(self, base: str, tenant, account, number, token: str):
        self.base, self.tenant, self.account, self.number = base, tenant, account, number
        self.token, self.phones, self.check = token, 0, None

    @classmethod
    def create(cls, base: str, label: str) -> "World":
        tenant, account, number = bench_tenant()
        user = User.objects.create_user(
            f"agent-{label}-{uuid.uuid4().hex[:8]}@load.bench", uuid.uuid4().hex
        )
        agent = Membership.objects.create(tenant=tenant, user=user, role=Role.AGENT)
        return cls(base, tenant, account, number, api_token_create(membership=agent, name=label)[1])

    def texts(self, count: int) -> list:
        """(body, headers) of ``count`` distinct texts, from the phones in turn."""
        return signed_requests(self.account, self.number, self.base, count, max(1, self.phones))

    def warm_up(self, phones: int) -> int:
        """One text from each phone, sent one by one and stored before the load
        starts, so that replies and thread reads have conversations to go to."""
        self.phones = phones
        port = int(self.base.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for body, headers in self.texts(phones):
            conn.request("POST", WEBHOOK, body=body, headers=PROXIED | headers)
            response = conn.getresponse()
            answer = response.read()
            if response.status != 200:
                raise SystemExit(f"the warm-up text answered {response.status}: {answer[:200]}")
        conn.close()
        if drain(self, phones, 120) == float("inf"):
            raise SystemExit("the warm-up texts did not reach the inbox within 120 s")
        return phones

    def conversation_ids(self) -> list[str]:
        return [
            str(pk)
            for pk in Conversation.objects.for_tenant(self.tenant).values_list("pk", flat=True)
        ]

    def inbound(self):
        return Message.objects.for_tenant(self.tenant).filter(direction="inbound")

    def inbound_count(self) -> int:
        return self.inbound().count()

    def replies_at_provider(self, sim: SimulatorServer) -> int:
        return len(sim.messages(direction="outbound", from_=self.number.number))

    def settle(self, polls, sim: SimulatorServer, *, replies: int, limit: float = 120) -> None:
        """Waits (up to ``limit``) until every long-poll has seen every stored inbound
        message and the simulator has every accepted reply: the counts are then final."""
        stored = {str(pk) for pk in self.inbound().values_list("pk", flat=True)}
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if all(stored <= poll.inbound for poll in polls) and (
                self.replies_at_provider(sim) >= replies
            ):
                return
            time.sleep(0.5)


def drain(world: World, expected: int, limit: float, since: float | None = None) -> float:
    """Seconds from ``since`` (now by default) until the tenant holds ``expected``
    inbound messages; infinity when it does not within ``limit``."""
    since = time.monotonic() if since is None else since
    while world.inbound_count() < expected:
        if time.monotonic() - since > limit:
            return float("inf")
        time.sleep(0.5)
    return time.monotonic() - since


@contextlib.contextmanager
def simulator(base: str, worlds: list[World]):
    """The provider simulator on loopback, holding each world's Twilio account.

    Its delivery-status callbacks are held back (a day's delay): it would call the
    tier's https address, which only the deployment's TLS proxy answers."""
    with SimulatorServer(port=0, status_delay=86400) as server:
        for world in worlds:
            server.add_account(
                provider="twilio",
                account_sid=world.account.account_ref,
                auth_token=world.account.auth_token,
                numbers=[world.number.number],
                inbound_webhook_url=base + WEBHOOK,
            )
        yield server
