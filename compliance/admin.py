"""The sub-processor registry in the admin, for platform superusers.

The seed names default hosting, reporting and email providers: the operator
corrects those entries here to the providers actually contracted (their
words, country, safeguard, integrations). Entries are never added or deleted
here: a new one goes through an announced change (compliance/subprocessors),
with its 30 days' notice. Each correction is audited with the names of the
fields it changed.
"""

from django.contrib import admin

from audit import actions
from audit.recorder import Actor, record
from compliance.models import SubProcessor
from compliance.subprocessors.services import ENTRY_FIELDS


@admin.register(SubProcessor)
class SubProcessorAdmin(admin.ModelAdmin):
    actions = None
    list_display = ("code", "name", "country", "safeguard", "since", "retired_on")
    ordering = ("code",)
    fields = (*ENTRY_FIELDS, "since", "retired_on")
    readonly_fields = ("code", "since", "retired_on")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record(
            actions.SUBPROCESSOR_EDITED,
            request=request,
            actor=Actor.user(request.user),
            target=("subprocessor", obj.pk),
            metadata={"code": obj.code, "fields": sorted(form.changed_data)},
        )
