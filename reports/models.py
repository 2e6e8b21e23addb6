"""The facts behind the tenant's reports: one row per conversation cycle.

A cycle runs from a conversation's opening (its creation, or a reopening by a
new message or by staff) to its closing. Reports count and time cycles, never
messages: a conversation reopened after a week is a second cycle, timed from
its reopening, so the days it lay closed count neither as waiting for a reply
nor as work.

Identifiers and times only: no message, no contact, no text. The conversation
is named by its id without a foreign key, so a cycle outlives the conversation
(erased, or past the workspace's retention) as a figure that leads to nothing;
cycles themselves are kept ``REPORTS_KEEP_DAYS`` (docs/reporting.md).
"""

from django.db import models

from tenants.models import TenantScopedModel


class ConversationCycle(TenantScopedModel):
    conversation_id = models.UUIDField()
    shop = models.ForeignKey("tenants.Shop", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16)
    # The conversation's assignee, followed while the cycle is open, kept at its closing.
    agent = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The member whose reply was the cycle's first response.
    responder = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reopened = models.BooleanField(default=False)
    opened_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # A report reads one period by each of the three times.
            models.Index(fields=["tenant", "opened_at"], name="cycle_tenant_opened"),
            models.Index(
                fields=["tenant", "first_response_at"],
                condition=models.Q(first_response_at__isnull=False),
                name="cycle_tenant_responded",
            ),
            models.Index(
                fields=["tenant", "closed_at"],
                condition=models.Q(closed_at__isnull=False),
                name="cycle_tenant_closed",
            ),
        ]
        constraints = [
            # Events find "the open cycle" of a conversation: there is one at most.
            models.UniqueConstraint(
                fields=["tenant", "conversation_id"],
                condition=models.Q(closed_at__isnull=True),
                name="cycle_one_open_per_conversation",
            ),
            # A backfill or reconciliation run twice writes each cycle once.
            models.UniqueConstraint(
                fields=["tenant", "conversation_id", "opened_at"], name="cycle_once"
            ),
        ]

    def __str__(self) -> str:
        return f"cycle of {self.conversation_id} from {self.opened_at:%Y-%m-%d %H:%M}"
