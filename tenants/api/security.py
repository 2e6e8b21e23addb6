"""The tenant's security settings: whether every member must use 2FA."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from instaply.api.serializers import NestedOutput, StrictInput
from tenants.api.base import TenantAPIView
from tenants.permissions import Capability
from tenants.services.security import tenant_security_update


class TenantSecurityApi(TenantAPIView):
    capabilities = {"GET": Capability.MEMBERS_READ, "PATCH": Capability.STAFF_MANAGE}

    class Input(StrictInput):
        require_2fa_for_all = serializers.BooleanField(
            help_text="Every member, whatever their role, must sign in with a second factor."
        )

    class Output(NestedOutput):
        require_2fa_for_all = serializers.BooleanField()
        two_factor_roles = serializers.SerializerMethodField()

        def get_two_factor_roles(self, tenant) -> list[str]:
            from tenants.access import TWO_FACTOR_ROLES

            return [str(role) for role in TWO_FACTOR_ROLES]

    @extend_schema(responses=Output)
    def get(self, request):
        return Response(self.Output(self.tenant).data)

    @extend_schema(request=Input, responses=Output)
    def patch(self, request):
        data = self.validated(self.Input, request.data)
        tenant = tenant_security_update(
            actor=self.membership, require_2fa_for_all=data["require_2fa_for_all"]
        )
        return Response(self.Output(tenant).data)
