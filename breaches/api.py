"""/api/v1/breach-notices: the workspace's breach register, read-only, for the
members who may read notices (AUDIT_EXPORT). Reading one notice is audited like
its page; another workspace's notice, or one not sent yet, is a 404."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from audit import actions
from audit.recorder import record
from breaches.selectors import notices_for_tenant
from breaches.selectors_notices import incident_updates, notice_get_for_tenant
from instaply.api.serializers import NestedOutput
from tenants.api.base import TenantAPIView
from tenants.permissions import Capability

PRIVATE = "private, no-store"
PAGE = 200


class IncidentOutput(NestedOutput):
    reference = serializers.CharField()
    title = serializers.CharField()
    aware_at = serializers.DateTimeField()
    natures = serializers.ListField(child=serializers.CharField())
    properties = serializers.ListField(child=serializers.CharField())
    data_categories = serializers.ListField(child=serializers.CharField())
    subject_categories = serializers.ListField(child=serializers.CharField())
    description = serializers.CharField()
    likely_consequences = serializers.CharField()
    measures = serializers.CharField()
    dpo_contact = serializers.CharField()
    risk_level = serializers.CharField()


class UpdateOutput(NestedOutput):
    number = serializers.IntegerField()
    facts = serializers.CharField()
    added_at = serializers.DateTimeField()


class NoticeOutput(NestedOutput):
    id = serializers.UUIDField()
    incident = IncidentOutput()
    subjects_count = serializers.IntegerField(help_text="Approximate.")
    records_count = serializers.IntegerField(help_text="Approximate.")
    deadline_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField()
    late_seconds = serializers.IntegerField(allow_null=True)
    late_reason = serializers.CharField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)


class NoticeDetailOutput(NoticeOutput):
    updates = UpdateOutput(many=True)


class BreachNoticeListApi(TenantAPIView):
    capabilities = {"GET": Capability.AUDIT_EXPORT}

    @extend_schema(responses=NoticeOutput(many=True))
    def get(self, request):
        notices = notices_for_tenant(self.tenant)[:PAGE]
        response = Response({"results": NoticeOutput(notices, many=True).data})
        response["Cache-Control"] = PRIVATE
        return response


class BreachNoticeDetailApi(TenantAPIView):
    capabilities = {"GET": Capability.AUDIT_EXPORT}

    @extend_schema(responses=NoticeDetailOutput)
    def get(self, request, breach_notice_id):
        notice = notice_get_for_tenant(tenant=self.tenant, id=breach_notice_id)
        notice.updates = list(incident_updates(incident=notice.incident))
        record(
            actions.BREACH_NOTICE_READ,
            request=request,
            target=("breach_notice", notice.pk),
            metadata={"incident": str(notice.incident_id), "reference": notice.incident.reference},
        )
        response = Response(NoticeDetailOutput(notice).data)
        response["Cache-Control"] = PRIVATE
        return response


urlpatterns = [
    path("breach-notices", BreachNoticeListApi.as_view(), name="breach-notice-list"),
    path(
        "breach-notices/<uuid:breach_notice_id>",
        BreachNoticeDetailApi.as_view(),
        name="breach-notice-detail",
    ),
]
