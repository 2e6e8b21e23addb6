"""/api/v1/tenant/analytics: the workspace's product-analytics choice, and the
exact list of what may be sent (from analytics.events, as the settings page)."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from analytics.events import ALLOWLIST
from analytics.services import analytics_opt_out_set
from instaply.api.serializers import NestedOutput, StrictInput
from tenants.api.base import TenantAPIView
from tenants.permissions import Capability


class TenantAnalyticsApi(TenantAPIView):
    capabilities = {"GET": Capability.ANALYTICS_MANAGE, "PATCH": Capability.ANALYTICS_MANAGE}

    class Input(StrictInput):
        analytics_opt_out = serializers.BooleanField(
            help_text="True: nothing is counted about the workspace from now on."
        )

    class Output(NestedOutput):
        analytics_opt_out = serializers.BooleanField()
        allowlist = serializers.SerializerMethodField()

        def get_allowlist(self, tenant) -> dict[str, dict[str, list[str]]]:
            return {
                event.name: {key: list(spec.values) for key, spec in event.properties.items()}
                for event in ALLOWLIST.values()
            }

    @extend_schema(responses=Output)
    def get(self, request):
        return Response(self.Output(self.tenant).data)

    @extend_schema(request=Input, responses=Output)
    def patch(self, request):
        data = self.validated(self.Input, request.data)
        tenant = analytics_opt_out_set(
            membership=self.membership, opted_out=data["analytics_opt_out"], request=request
        )
        return Response(self.Output(tenant).data)


urlpatterns = [
    path("tenant/analytics", TenantAnalyticsApi.as_view(), name="tenant-analytics"),
]
