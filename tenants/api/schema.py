"""Teaches the OpenAPI schema how the API authenticates, and what to say of each
operation: the reference's own text and the roles allowed to call it."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from instaply.api.reference import OPERATIONS
from tenants.models import Role
from tenants.permissions import role_can


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tenants.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token of one membership: `Authorization: Bearer ipt_...`.",
        }


class AutoSchema(SpectacularAutoSchema):
    """Summaries and descriptions come from instaply.api.reference, never from
    docstrings: those are written for maintainers, and a view without one would
    show its base class's (drf-spectacular reads inherited docstrings)."""

    def _operation(self):
        return OPERATIONS.get(f"{self.method} {self.path}")

    def get_summary(self):
        operation = self._operation()
        return operation.summary if operation else None

    def get_description(self):
        operation = self._operation()
        parts = [operation.description] if operation and operation.description else []
        capability = getattr(self.view, "capabilities", {}).get(self.method)
        if capability is not None:
            roles = [str(role.label).lower() for role in Role if role_can(role, capability)]
            parts.append(f"Roles allowed: {', '.join(roles)}.")
        return "\n\n".join(parts)

    def get_tags(self):
        if self.path.startswith("/api/widget/"):
            return ["widget"]
        return super().get_tags()
