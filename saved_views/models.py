"""A member's saved inbox filters, under a name of their choosing.

Only codes and ids are kept (status, assignee, label, shop, channel), never a
search term: a saved view holds no personal data of the tenant's contacts.
"""

from django.db import models
from django.utils import timezone

from tenants.models import TenantScopedModel


class SavedView(TenantScopedModel):
    membership = models.ForeignKey("tenants.Membership", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=60)
    # {"status": "open", "assignee": "me", "label": "<uuid>", "shop": "", "channel": "sms"}
    filters = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "membership", "name"], name="saved_view_name_once"
            )
        ]
        # The constraint's index serves the sidebar: a member's views by name.
