"""What the API shows of a request: states, times, progress and counts; never
the subject's identifiers (the tenant holds them already)."""

from rest_framework import serializers

from instaply.api.serializers import NestedOutput
from privacy.dsr import selectors


class EventOutput(NestedOutput):
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    reason = serializers.CharField()


class RequestOutput(NestedOutput):
    id = serializers.UUIDField()
    type = serializers.CharField(source="request_type")
    state = serializers.CharField()
    paused = serializers.BooleanField()
    received_at = serializers.DateTimeField()
    subject_asked_on = serializers.DateField()
    due_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    progress = serializers.IntegerField()
    purpose = serializers.CharField()
    # Why the platform opened it by itself (e.g. child_under_15); "" when the tenant filed it.
    reason = serializers.CharField()
    contact_id = serializers.UUIDField(allow_null=True)
    duplicate_of = serializers.UUIDField(source="duplicate_of_id", allow_null=True)
    rejection_reason = serializers.CharField()


class RequestDetailOutput(RequestOutput):
    counts = serializers.DictField(child=serializers.JSONField())
    pause_reason = serializers.SerializerMethodField()
    working_seconds_left = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    def _events(self, dsr):
        return self.context["events"]

    def _clock(self, dsr):
        return selectors.dsr_clock(dsr, self._events(dsr))

    def get_pause_reason(self, dsr) -> str:
        return selectors.pause_reason(dsr, self._events(dsr))

    def get_working_seconds_left(self, dsr) -> int | None:
        clock = self._clock(dsr)
        return None if clock is None else int(clock.remaining.total_seconds())

    def get_overdue(self, dsr) -> bool:
        clock = self._clock(dsr)
        return bool(clock and clock.overdue)

    def get_events(self, dsr) -> list[dict]:
        return EventOutput(self._events(dsr), many=True).data
