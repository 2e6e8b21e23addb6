"""The audit log in the admin: read-only, for platform superusers, and showing
ids, codes and counts only (never personal content)."""

from django.contrib import admin

from audit.models import AuditEvent, SecurityAlert


class ReadOnlyAdmin(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "outcome", "tenant_id", "actor_kind", "actor_id")
    list_filter = ("outcome", "actor_kind")
    search_fields = ("=id", "=action", "=actor_id", "=target_id", "=request_id")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    fields = (
        "id",
        "created_at",
        "tenant_id",
        "action",
        "outcome",
        "actor_kind",
        "actor_id",
        "actor_member_id",
        "target_kind",
        "target_id",
        "ip",
        "request_id",
        "metadata",
    )
    readonly_fields = fields
    show_full_result_count = False  # counting a large table on every page view is slow


@admin.register(SecurityAlert)
class SecurityAlertAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "rule", "severity", "tenant_id", "event_count", "acknowledged_at")
    list_filter = ("rule", "severity")
    ordering = ("-created_at",)
    fields = (
        "id",
        "created_at",
        "tenant_id",
        "rule",
        "severity",
        "summary",
        "subject_kind",
        "subject_id",
        "subject_ip",
        "window_seconds",
        "event_count",
        "first_event_at",
        "last_event_at",
        "notified_at",
        "acknowledged_at",
        "acknowledged_by_id",
    )
    readonly_fields = fields
