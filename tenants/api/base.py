"""The base every tenant API view inherits: tenant, membership and permission
are resolved once, before the handler runs."""

from rest_framework import exceptions
from rest_framework.views import APIView

from instaply import rls
from instaply.errors import Forbidden, NotFound
from tenants.access import membership_for_request, two_factor_pending
from tenants.permissions import Capability, denial_message


def _platform_staff_refused(request) -> bool:
    from platform_staff.access import platform_staff_on_tenant_route

    return platform_staff_on_tenant_route(request)


class TenantAPIView(APIView):
    """Subclasses declare ``capabilities = {"GET": Capability..., "POST": ...}``.

    A method without a declared capability is not allowed at all. After
    ``initial`` the view has ``self.membership`` and ``self.tenant``.
    """

    capabilities: dict[str, Capability] = {}
    http_method_names = ["get", "post", "put", "patch", "delete", "head"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        method = "GET" if request.method == "HEAD" else request.method
        capability = self.capabilities.get(method)
        if capability is None:
            raise exceptions.MethodNotAllowed(request.method)
        pending = two_factor_pending(request)
        membership = None if pending else membership_for_request(request)
        if membership is None and _platform_staff_refused(request):
            # Platform staff reach no tenant route: the same 404 as a stranger
            # (never 401/403), audited as platform.access_denied.
            self.platform_refused = True
            raise NotFound("Not found.")
        if pending:
            # A session past the password but not the second factor acts as nobody yet.
            raise Forbidden(
                "Confirm your sign-in with your authenticator code first.",
                code="two_factor_required",
            )
        if membership is None:
            # A non-member learns nothing about the tenant or its objects.
            raise NotFound("Not found.")
        # From here the database shows this tenant's rows only (instaply/rls.py).
        rls.adopt(membership.tenant_id)
        # Set before the capability check, so a refusal is audited as this member's.
        self.membership = membership
        self.tenant = membership.tenant
        request.membership = membership
        request.tenant = membership.tenant
        if not membership.can(capability):
            raise Forbidden(denial_message(membership.role, capability))

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if response.status_code in (403, 404) and not getattr(self, "platform_refused", False):
            # Every refusal by scoping or permission is an access attempt on record;
            # a burst of them from one member raises an alert (audit.rules).
            from audit.recorder import record

            error = response.data.get("error", {}) if isinstance(response.data, dict) else {}
            record(
                "access.denied",
                outcome="denied",
                request=self.request,
                target=("endpoint", type(self).__name__),
                metadata={
                    "status": response.status_code,
                    "code": error.get("code", ""),
                    "method": self.request.method,
                    # The route, not the ids: ids sent by the caller are theirs to
                    # guess, and another tenant's ids never enter this tenant's log.
                    "route": getattr(self.request.resolver_match, "route", ""),
                },
            )
        return response

    def get_allowed_methods(self):
        return list(self.capabilities) + (["HEAD"] if "GET" in self.capabilities else [])

    @property
    def allowed_methods(self):
        return self.get_allowed_methods()

    def validated(self, serializer_class, data) -> dict:
        # The tenant resolves ids in the body (instaply.api.fields.TenantPrimaryKeyRelatedField).
        serializer = serializer_class(
            data=data, context={"request": self.request, "tenant": self.tenant}
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
