"""Members, invitations, API tokens, shops, and the caller's own profile."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from instaply.api.serializers import NestedOutput, StrictInput
from instaply.ratelimit import RateLimitThrottle, by_ip
from tenants import selectors
from tenants.api.base import TenantAPIView
from tenants.models import InvitationDelivery, Role
from tenants.models.access import EMAIL_MAX_LENGTH
from tenants.permissions import ROLE_CAPABILITIES, Capability
from tenants.services import members as member_services
from tenants.services import tenancy as tenancy_services
from tenants.services import tokens as token_services


class MemberOutput(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    role = serializers.CharField()
    active = serializers.BooleanField(source="is_active")
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField()


class MeApi(TenantAPIView):
    capabilities = {"GET": Capability.SELF}

    class Output(NestedOutput):
        id = serializers.UUIDField(source="user.id")
        email = serializers.EmailField(source="user.email")
        full_name = serializers.CharField(source="user.full_name")
        membership_id = serializers.UUIDField(source="id")
        role = serializers.CharField()
        capabilities = serializers.SerializerMethodField()
        tenant = serializers.SerializerMethodField()

        def get_capabilities(self, membership) -> list[str]:
            return sorted(ROLE_CAPABILITIES[membership.role])

        def get_tenant(self, membership) -> dict:
            tenant = membership.tenant
            return {"id": str(tenant.id), "name": tenant.name, "slug": tenant.slug}

    @extend_schema(responses=Output)
    def get(self, request):
        return Response(self.Output(self.membership).data)


class MemberListApi(TenantAPIView):
    capabilities = {"GET": Capability.MEMBERS_READ}

    @extend_schema(responses=MemberOutput(many=True))
    def get(self, request):
        members = selectors.membership_list(tenant=self.tenant)
        return Response({"results": MemberOutput(members, many=True).data})


class MemberDetailApi(TenantAPIView):
    capabilities = {"GET": Capability.MEMBERS_READ, "PATCH": Capability.STAFF_MANAGE}

    class Input(StrictInput):
        role = serializers.ChoiceField(choices=Role.choices)

    @extend_schema(responses=MemberOutput)
    def get(self, request, member_id):
        member = selectors.membership_get(tenant=self.tenant, id=member_id)
        return Response(MemberOutput(member).data)

    @extend_schema(request=Input, responses=MemberOutput)
    def patch(self, request, member_id):
        member = selectors.membership_get(tenant=self.tenant, id=member_id)
        data = self.validated(self.Input, request.data)
        member = member_services.membership_change_role(
            actor=self.membership, membership=member, role=data["role"]
        )
        return Response(MemberOutput(member).data)


class MemberRevokeApi(TenantAPIView):
    capabilities = {"POST": Capability.STAFF_MANAGE}

    @extend_schema(request=None, responses=MemberOutput)
    def post(self, request, member_id):
        member = selectors.membership_get(tenant=self.tenant, id=member_id)
        member = member_services.membership_revoke(actor=self.membership, membership=member)
        return Response(MemberOutput(member).data)


class InvitationDeliveryOutput(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=InvitationDelivery.Status.choices,
        help_text="queued: the email is on its way; sent: the mail server took it; "
        "failed: it could not be sent (resend it).",
    )
    attempts = serializers.IntegerField(source="attempt_count")
    queued_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField()
    failed_at = serializers.DateTimeField()
    failure_code = serializers.CharField()
    failure_reason = serializers.CharField()


class InvitationOutput(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    role = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(
        source="delivery.sent_at",
        allow_null=True,
        help_text="When the mail server took the latest email; null until then.",
    )
    delivery = InvitationDeliveryOutput(
        allow_null=True, help_text="The latest sending of the invitation's email."
    )


class InvitationListApi(TenantAPIView):
    capabilities = {"GET": Capability.STAFF_MANAGE, "POST": Capability.STAFF_MANAGE}

    class Input(StrictInput):
        email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH)
        role = serializers.ChoiceField(choices=Role.choices)

    @extend_schema(responses=InvitationOutput(many=True))
    def get(self, request):
        invitations = selectors.invitation_list(tenant=self.tenant)
        return Response({"results": InvitationOutput(invitations, many=True).data})

    @extend_schema(request=Input, responses={201: InvitationOutput})
    def post(self, request):
        data = self.validated(self.Input, request.data)
        invitation = member_services.invitation_create(actor=self.membership, **data)
        # Read back: in embedded mode the email has already been sent.
        invitation = selectors.invitation_get(tenant=self.tenant, id=invitation.pk)
        return Response(InvitationOutput(invitation).data, status=status.HTTP_201_CREATED)


class InvitationDetailApi(TenantAPIView):
    capabilities = {"DELETE": Capability.STAFF_MANAGE}

    @extend_schema(responses={204: None})
    def delete(self, request, invitation_id):
        invitation = selectors.invitation_get(tenant=self.tenant, id=invitation_id)
        member_services.invitation_revoke(actor=self.membership, invitation=invitation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationResendApi(TenantAPIView):
    """Emails a new link (for a full validity period); the previous link stops
    working once the new email left."""

    capabilities = {"POST": Capability.STAFF_MANAGE}

    @extend_schema(request=None, responses={202: InvitationOutput})
    def post(self, request, invitation_id):
        invitation = selectors.invitation_get(tenant=self.tenant, id=invitation_id)
        member_services.invitation_resend(actor=self.membership, invitation=invitation)
        invitation = selectors.invitation_get(tenant=self.tenant, id=invitation_id)
        return Response(InvitationOutput(invitation).data, status=status.HTTP_202_ACCEPTED)


class InvitationAcceptThrottle(RateLimitThrottle):
    scope = "invitation_accept"
    key = staticmethod(by_ip)


class InvitationAcceptApi(APIView):
    """Public: the invitation token is the credential, looked up inside the named tenant."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [InvitationAcceptThrottle]

    class Input(StrictInput):
        tenant = serializers.SlugField()
        token = serializers.CharField(max_length=200)
        password = serializers.CharField(max_length=200, trim_whitespace=False)
        full_name = serializers.CharField(max_length=150, required=False, default="")

    @extend_schema(request=Input, responses={201: MemberOutput})
    def post(self, request):
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        membership = member_services.invitation_accept(
            tenant_slug=data["tenant"],
            token=data["token"],
            password=data["password"],
            full_name=data["full_name"],
        )
        return Response(MemberOutput(membership).data, status=status.HTTP_201_CREATED)


class TokenOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    member_id = serializers.UUIDField(source="membership_id")
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField()


def _token_scope(view):
    """Owners and admins see every token of the tenant; others only their own."""
    return None if view.membership.can(Capability.STAFF_MANAGE) else view.membership


class TokenCreateThrottle(RateLimitThrottle):
    scope = "token_create"
    methods = frozenset({"POST"})


class TokenListApi(TenantAPIView):
    capabilities = {"GET": Capability.SELF, "POST": Capability.SELF}
    throttle_classes = [TokenCreateThrottle]

    class Input(StrictInput):
        name = serializers.CharField(max_length=80)

    class Created(TokenOutput):
        token = serializers.CharField(help_text="Shown once; store it now.")

    @extend_schema(responses=TokenOutput(many=True))
    def get(self, request):
        tokens = selectors.api_token_list(tenant=self.tenant, membership=_token_scope(self))
        return Response({"results": TokenOutput(tokens, many=True).data})

    @extend_schema(request=Input, responses={201: Created})
    def post(self, request):
        data = self.validated(self.Input, request.data)
        token, raw = token_services.api_token_create(membership=self.membership, name=data["name"])
        token.token = raw
        return Response(self.Created(token).data, status=status.HTTP_201_CREATED)


class TokenDetailApi(TenantAPIView):
    capabilities = {"DELETE": Capability.SELF}

    @extend_schema(responses={204: None})
    def delete(self, request, token_id):
        token = selectors.api_token_get(
            tenant=self.tenant, id=token_id, membership=_token_scope(self)
        )
        token_services.api_token_revoke(actor=self.membership, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShopOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    time_zone = serializers.CharField()
    business_hours = serializers.JSONField()
    auto_reply_text = serializers.CharField()
    help_text = serializers.CharField()
    created_at = serializers.DateTimeField()


class ShopListApi(TenantAPIView):
    capabilities = {"GET": Capability.MEMBERS_READ, "POST": Capability.CHANNELS_MANAGE}

    class Input(StrictInput):
        name = serializers.CharField(max_length=120)
        time_zone = serializers.CharField(max_length=64, required=False)
        business_hours = serializers.JSONField(required=False)
        auto_reply_text = serializers.CharField(max_length=600, required=False, allow_blank=True)
        help_text = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(responses=ShopOutput(many=True))
    def get(self, request):
        return Response(
            {"results": ShopOutput(selectors.shop_list(tenant=self.tenant), many=True).data}
        )

    @extend_schema(request=Input, responses={201: ShopOutput})
    def post(self, request):
        data = self.validated(self.Input, request.data)
        shop = tenancy_services.shop_create(tenant=self.tenant, actor=self.membership, **data)
        return Response(ShopOutput(shop).data, status=status.HTTP_201_CREATED)


class ShopDetailApi(TenantAPIView):
    capabilities = {"GET": Capability.MEMBERS_READ, "PATCH": Capability.CHANNELS_MANAGE}

    class Input(StrictInput):
        name = serializers.CharField(max_length=120, required=False)
        time_zone = serializers.CharField(max_length=64, required=False)
        business_hours = serializers.JSONField(required=False)
        auto_reply_text = serializers.CharField(max_length=600, required=False, allow_blank=True)
        help_text = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(responses=ShopOutput)
    def get(self, request, shop_id):
        return Response(ShopOutput(selectors.shop_get(tenant=self.tenant, id=shop_id)).data)

    @extend_schema(request=Input, responses=ShopOutput)
    def patch(self, request, shop_id):
        shop = selectors.shop_get(tenant=self.tenant, id=shop_id)
        data = self.validated(self.Input, request.data)
        shop = tenancy_services.shop_update(shop=shop, actor=self.membership, **data)
        return Response(ShopOutput(shop).data)
