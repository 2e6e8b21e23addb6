"""The tenant's audit export and its security alerts."""

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from audit import actions, export, selectors
from audit.alerts import alert_acknowledge
from audit.recorder import record
from instaply import rls
from instaply.api.serializers import StrictInput
from tenants.api.base import TenantAPIView
from tenants.permissions import Capability

PRIVATE = "private, no-store"


class ExportNegotiation(DefaultContentNegotiation):
    """Here ``?format=`` names the export's format, not one of DRF's renderers;
    errors are JSON whatever it says."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class AuditEventExportApi(TenantAPIView):
    """The tenant's audit events as JSON lines or CSV, each with its chain seal.

    The export is itself audited (``audit.exported``).
    """

    capabilities = {"GET": Capability.AUDIT_EXPORT}
    content_negotiation_class = ExportNegotiation

    class Input(StrictInput):
        since = serializers.DateTimeField(required=False, help_text="ISO 8601, inclusive.")
        until = serializers.DateTimeField(required=False, help_text="ISO 8601, exclusive.")
        actor = serializers.CharField(
            required=False, max_length=100, help_text="A member id, or kind:id."
        )
        action = serializers.CharField(
            required=False, max_length=64, help_text="An action, or a prefix such as auth.*"
        )
        after_seq = serializers.IntegerField(
            required=False,
            min_value=0,
            help_text="Only events sealed after this tenant_seq, in chain order.",
        )
        format = serializers.ChoiceField(choices=sorted(export.WRITERS), default="jsonl")

    @extend_schema(
        parameters=[Input],
        responses={
            (200, "application/x-ndjson"): OpenApiResponse(OpenApiTypes.STR),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
        },
    )
    def get(self, request):
        data = self.validated(self.Input, request.query_params)
        fmt = data.pop("format")
        filters = selectors.ExportFilters(**data)
        # Built (and validated) now, so a bad filter is a 400 rather than a broken stream.
        selectors.audit_event_filter(tenant=self.tenant, filters=filters)
        record(
            actions.AUDIT_EXPORTED,
            request=request,
            target=("tenant", self.tenant.pk),
            metadata={
                "format": fmt,
                "since": filters.since,
                "until": filters.until,
                "actor_filter": filters.actor or None,
                "action_filter": filters.action or None,
                "after_seq": filters.after_seq,
            },
        )
        events = selectors.audit_event_export(tenant=self.tenant, filters=filters)
        response = StreamingHttpResponse(
            rls.carry_scope(export.WRITERS[fmt](events)), content_type=export.CONTENT_TYPES[fmt]
        )
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        response["Content-Disposition"] = (
            f'attachment; filename="audit-{self.tenant.slug}-{stamp}.{fmt}"'
        )
        response["Cache-Control"] = PRIVATE
        return response


class AlertOutput(serializers.Serializer):
    id = serializers.UUIDField()
    rule = serializers.CharField()
    severity = serializers.CharField()
    summary = serializers.CharField()
    subject_kind = serializers.CharField()
    subject_id = serializers.CharField()
    subject_ip = serializers.IPAddressField()
    window_seconds = serializers.IntegerField()
    event_count = serializers.IntegerField()
    first_event_at = serializers.DateTimeField()
    last_event_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField()


class SecurityAlertListApi(TenantAPIView):
    """Owners and admins: the people who can revoke a member are the ones who
    must hear that one is misbehaving (STAFF_MANAGE, not the privacy role)."""

    capabilities = {"GET": Capability.STAFF_MANAGE}

    class Input(StrictInput):
        open = serializers.BooleanField(required=False, default=False)

    @extend_schema(parameters=[Input], responses=AlertOutput(many=True))
    def get(self, request):
        data = self.validated(self.Input, request.query_params)
        alerts = selectors.security_alert_list(tenant=self.tenant, open_only=data["open"])[:200]
        response = Response({"results": AlertOutput(alerts, many=True).data})
        response["Cache-Control"] = PRIVATE
        return response


class SecurityAlertAcknowledgeApi(TenantAPIView):
    """Marks one of the tenant's alerts as handled (audited); again changes nothing."""

    capabilities = {"POST": Capability.STAFF_MANAGE}

    @extend_schema(request=None, responses=AlertOutput)
    def post(self, request, alert_id):
        alert = selectors.security_alert_get(tenant=self.tenant, id=alert_id)
        alert = alert_acknowledge(alert=alert, request=request)
        response = Response(AlertOutput(alert).data)
        response["Cache-Control"] = PRIVATE
        return response
