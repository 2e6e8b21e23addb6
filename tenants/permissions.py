"""The role matrix of DESIGN.md, in one place.

Every endpoint and page declares the capability it needs; nothing else in the
code base compares role names.
"""

from enum import StrEnum

from tenants.models.tenancy import Role


class Capability(StrEnum):
    # Any active member: their own profile and API tokens.
    SELF = "self"
    MEMBERS_READ = "members.read"
    CONVERSATIONS_READ = "conversations.read"
    CONVERSATIONS_WRITE = "conversations.write"
    STAFF_MANAGE = "staff.manage"
    CHANNELS_MANAGE = "channels.manage"
    PRIVACY_REQUESTS = "privacy.requests"
    AUDIT_EXPORT = "audit.export"
    MAINTENANCE_GRANT = "maintenance.grant"
    # Owners only: disclosures of the workspace's data to authorities.
    DISCLOSURES_READ = "disclosures.read"
    LEGAL_HOLD = "legal_hold"
    # How long the workspace keeps conversations (privacy/retention).
    RETENTION_MANAGE = "retention.manage"
    # Breach notices (breaches/): acknowledging one is the owners' and privacy members'.
    BREACH_ACKNOWLEDGE = "breach.acknowledge"
    # Records of processing, the sub-processor registry (compliance/).
    COMPLIANCE_READ = "compliance.read"
    SUBPROCESSOR_OBJECT = "subprocessor.object"
    # Owners only: auditing the platform (compliance/audits).
    AUDIT_REQUEST = "audit.request"
    # Issue 15: staff login data and the workspace's product-analytics choice.
    LOGIN_DATA_READ = "login_data.read"
    ANALYTICS_MANAGE = "analytics.manage"
    # Issue 18: the workspace's reports (counts and response times per shop, channel, member).
    REPORTS_READ = "reports.read"


DESCRIPTIONS = {
    Capability.SELF: "manage their own profile and tokens",
    Capability.MEMBERS_READ: "see the tenant's members",
    Capability.CONVERSATIONS_READ: "read conversations",
    Capability.CONVERSATIONS_WRITE: "reply, assign, close, note or label conversations",
    Capability.STAFF_MANAGE: "manage staff, roles and revocation",
    Capability.CHANNELS_MANAGE: "manage shops, channels and the widget",
    Capability.PRIVACY_REQUESTS: "file or download data-subject requests",
    Capability.AUDIT_EXPORT: "export audit records or read breach notices",
    Capability.MAINTENANCE_GRANT: "grant platform maintenance access",
    Capability.DISCLOSURES_READ: "read the disclosures of its data to authorities",
    Capability.LEGAL_HOLD: "set or release legal holds on contacts",
    Capability.RETENTION_MANAGE: "change how long the workspace keeps conversations",
    Capability.BREACH_ACKNOWLEDGE: "acknowledge breach notices",
    Capability.COMPLIANCE_READ: "read the records of processing and the sub-processors",
    Capability.SUBPROCESSOR_OBJECT: "object to a new sub-processor",
    Capability.AUDIT_REQUEST: "request an audit of the platform",
    Capability.LOGIN_DATA_READ: "see the staff's sign-in sessions or sign them out",
    Capability.ANALYTICS_MANAGE: "opt the workspace out of product analytics",
    Capability.REPORTS_READ: "read the workspace's reports",
}

_ALL = set(Capability)
_READER = {Capability.SELF, Capability.MEMBERS_READ, Capability.CONVERSATIONS_READ}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.OWNER: frozenset(_ALL),
    Role.ADMIN: frozenset(
        _ALL
        - {
            Capability.PRIVACY_REQUESTS,
            Capability.DISCLOSURES_READ,
            Capability.LEGAL_HOLD,
            Capability.BREACH_ACKNOWLEDGE,
            Capability.SUBPROCESSOR_OBJECT,
            Capability.AUDIT_REQUEST,
        }
    ),
    Role.AGENT: frozenset(_READER | {Capability.CONVERSATIONS_WRITE}),
    Role.VIEWER: frozenset(_READER),
    Role.PRIVACY: frozenset(
        {
            Capability.SELF,
            Capability.MEMBERS_READ,
            Capability.PRIVACY_REQUESTS,
            Capability.AUDIT_EXPORT,
            Capability.RETENTION_MANAGE,
            Capability.ANALYTICS_MANAGE,
            Capability.BREACH_ACKNOWLEDGE,
            Capability.COMPLIANCE_READ,
            Capability.SUBPROCESSOR_OBJECT,
        }
    ),
}

# Roles an admin may hand out or take away; owners are managed by owners only.
ROLES_MANAGED_BY = {
    Role.OWNER: frozenset(Role),
    Role.ADMIN: frozenset(set(Role) - {Role.OWNER}),
}


def role_can(role: str, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())


def denial_message(role: str, capability: Capability) -> str:
    return f"The {Role(role).label.lower()} role cannot {DESCRIPTIONS[capability]}."
