"""/api/v1/retention: the tenant's retention, its bounds, what the next run would
delete and what the last one did; PUT changes it."""

from django.conf import settings
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from instaply.api.serializers import NestedOutput, StrictInput
from instaply.errors import Invalid
from privacy.retention import services
from privacy.retention.run import retention_last_run
from privacy.retention.selectors import retention_policy_for
from tenants.api.base import TenantAPIView
from tenants.permissions import Capability

MANAGE = Capability.RETENTION_MANAGE


def _platform_days() -> dict[str, int]:
    return {
        "webhook_deliveries": settings.RETENTION_WEBHOOK_DAYS,
        "concatenated_parts": settings.RETENTION_CONCAT_PARTS_DAYS,
        "send_attempts": settings.RETENTION_SEND_ATTEMPT_DAYS,
        "visitor_sessions": settings.RETENTION_VISITOR_SESSION_DAYS,
        "audit_events": settings.AUDIT_RETENTION_DAYS,
    }


def _last_run(tenant) -> dict | None:
    run = retention_last_run(tenant)
    if not run.get("at"):
        return None
    return {"at": run["at"], "counts": run.get("counts") or {}}


def _answer(tenant, proposed: tuple[int, int | None] | None = None) -> dict:
    policy = retention_policy_for(tenant)
    low, high = services.retention_bounds()
    answer = {
        "inactive_days": policy.inactive_days,
        "closed_days": policy.closed_days,
        # The defaults are an unsaved row (retention_policy_for).
        "is_default": policy._state.adding,
        "updated_at": None if policy._state.adding else policy.updated_at,
        "updated_by": policy.updated_by_id,
        "bounds": {
            "min_days": low,
            "max_days": high,
            "default_inactive_days": settings.RETENTION_INACTIVE_DAYS_DEFAULT,
        },
        "preview": services.retention_preview_for(tenant=tenant),
        "last_run": _last_run(tenant),
        "platform_days": _platform_days(),
    }
    if proposed is not None:
        inactive, closed = proposed
        answer["proposed"] = {
            "inactive_days": inactive,
            "closed_days": closed,
            "preview": services.retention_preview_for(
                tenant=tenant, inactive_days=inactive, closed_days=closed
            ),
        }
    return answer


class RetentionOutput(NestedOutput):
    class Bounds(NestedOutput):
        min_days = serializers.IntegerField()
        max_days = serializers.IntegerField()
        default_inactive_days = serializers.IntegerField()

    class LastRun(NestedOutput):
        at = serializers.DateTimeField()
        counts = serializers.DictField(child=serializers.IntegerField())

    class Proposed(NestedOutput):
        inactive_days = serializers.IntegerField()
        closed_days = serializers.IntegerField(allow_null=True)
        preview = serializers.DictField(child=serializers.IntegerField())

    inactive_days = serializers.IntegerField()
    closed_days = serializers.IntegerField(allow_null=True)
    is_default = serializers.BooleanField()
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = serializers.UUIDField(allow_null=True)
    bounds = Bounds()
    preview = serializers.DictField(child=serializers.IntegerField())
    last_run = LastRun(allow_null=True)
    platform_days = serializers.DictField(child=serializers.IntegerField())
    proposed = Proposed(required=False)


class RetentionApi(TenantAPIView):
    capabilities = {"GET": MANAGE, "PUT": MANAGE}

    class Input(StrictInput):
        inactive_days = serializers.IntegerField()
        closed_days = serializers.IntegerField(required=False, allow_null=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("inactive_days", int, description="proposed value to preview"),
            OpenApiParameter("closed_days", int, description="proposed value to preview"),
        ],
        responses=RetentionOutput,
    )
    def get(self, request):
        params = request.query_params
        proposed = None
        if "inactive_days" in params or "closed_days" in params:
            if not params.get("inactive_days"):
                raise Invalid(
                    "Give inactive_days to preview proposed values.",
                    fields={"inactive_days": ["Required with closed_days."]},
                )
            proposed = services.retention_values_check(
                params["inactive_days"], params.get("closed_days") or None
            )
        return Response(RetentionOutput(_answer(self.tenant, proposed)).data)

    @extend_schema(request=Input, responses=RetentionOutput)
    def put(self, request):
        data = self.validated(self.Input, request.data)
        services.retention_policy_set(
            membership=self.membership,
            inactive_days=data["inactive_days"],
            closed_days=data.get("closed_days"),
            request=request,
        )
        return Response(RetentionOutput(_answer(self.tenant)).data)


urlpatterns = [path("retention", RetentionApi.as_view(), name="retention")]
