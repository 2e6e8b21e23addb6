"""Serializer bases shared by every API."""

from collections.abc import Mapping

from drf_spectacular.drainage import set_override
from rest_framework import serializers


class NestedSerializer(serializers.Serializer):
    """Serializers nested in a view (``ShopListApi.Input``) get schema names from
    their owner (``ShopListInput``), so two views' ``Input`` never collide."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        owner, _, own = cls.__qualname__.rpartition(".")
        if owner:
            set_override(cls, "component_name", owner.removesuffix("Api") + own)


class NestedOutput(NestedSerializer):
    pass


class StrictInput(NestedSerializer):
    """An input serializer that rejects fields it does not know.

    A typo in a field name should be an error, not a silently ignored change.
    """

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)
