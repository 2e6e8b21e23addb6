"""Action names of the audit log, in one place: dotted, lowercase, stable.

``record`` accepts any well-formed dotted name; these are the ones the alert
rules and the documentation rely on (docs/audit-log.md lists what each means).
"""

AUTH_LOGIN_SUCCEEDED = "auth.login.succeeded"
AUTH_LOGIN_FAILED = "auth.login.failed"
AUTH_2FA_FAILED = "auth.2fa.failed"
AUTH_LOGOUT = "auth.logout"
TOKEN_CREATED = "token.created"
TOKEN_REVOKED = "token.revoked"
MEMBER_INVITED = "member.invited"
MEMBER_ROLE_CHANGED = "member.role_changed"
MEMBER_REVOKED = "member.revoked"
PERSONAL_DATA_READ = "personal_data.read"
PERSONAL_DATA_EXPORTED = "personal_data.exported"
# A stored value read did not decrypt: altered bytes, or copied from another row.
PERSONAL_DATA_UNREADABLE = "personal_data.unreadable"
ACCESS_DENIED = "access.denied"
KEY_ROTATED = "key.rotated"
# Platform staff and the access tenants grant them (platform_staff/).
PLATFORM_ACCESS = "platform.access"
PLATFORM_ACCESS_DENIED = "platform.access_denied"
PLATFORM_ACCESS_REQUESTED = "platform.access_requested"
PLATFORM_ACCESS_APPROVED = "platform.access_approved"
PLATFORM_ACCESS_DENIED_BY_TENANT = "platform.access_denied_by_tenant"
PLATFORM_ACCESS_REVOKED = "platform.access_revoked"
PLATFORM_ACCESS_EXPIRED = "platform.access_expired"
# Every event of grants and platform reads: the tenant's access-transparency page.
PLATFORM_PREFIX = "platform."
AUDIT_EXPORTED = "audit.exported"
# The tenant's access-transparency record downloaded as CSV.
PLATFORM_ACCESS_EXPORTED = "platform_access.exported"
SECURITY_ALERT_ACKNOWLEDGED = "security_alert.acknowledged"
# Executors of data-subject requests (privacy/dsr/): target ("dsr", request id).
PRIVACY_REQUEST_ERASURE_STARTED = "privacy.request_erasure_started"
PRIVACY_REQUEST_ERASURE_DONE = "privacy.request_erasure_done"
PRIVACY_REQUEST_RECTIFIED = "privacy.request_rectified"
PRIVACY_REQUEST_RESTRICTED = "privacy.request_restricted"
PRIVACY_REQUEST_RESTRICTION_LIFTED = "privacy.request_restriction_lifted"
PRIVACY_REQUEST_OBJECTION_APPLIED = "privacy.request_objection_applied"
PRIVACY_REQUEST_OBJECTION_WITHDRAWN = "privacy.request_objection_withdrawn"
# Legal holds on contacts (privacy/dsr/holds.py): target ("legal_hold", id).
LEGAL_HOLD_SET = "privacy.legal_hold_set"
LEGAL_HOLD_RELEASED = "privacy.legal_hold_released"
CONTACT_PROCESSING_CHANGED = "contact.processing_changed"
# Breaches (breaches/): target ("incident", id) or ("breach_notice", id).
INCIDENT_DECLARED = "breach.incident_declared"
INCIDENT_UPDATED = "breach.incident_updated"
INCIDENT_CLOSED = "breach.incident_closed"
BREACH_NOTICE_SENT = "breach.notice_sent"
BREACH_NOTICE_UPDATE_SENT = "breach.notice_update_sent"
BREACH_NOTICE_READ = "breach.notice_read"
BREACH_NOTICE_ACKNOWLEDGED = "breach.notice_acknowledged"
BREACH_NOTICE_ALERTED = "breach.notice_alerted"
# Compliance (compliance/): records, sub-processors, audit requests.
RECORDS_EXPORTED = "compliance.records.exported"
SUBPROCESSOR_CHANGE_ANNOUNCED = "compliance.subprocessor_change_announced"
SUBPROCESSOR_OBJECTION_RAISED = "compliance.subprocessor_objection_raised"
SUBPROCESSOR_OBJECTION_WITHDRAWN = "compliance.subprocessor_objection_withdrawn"
# The operator corrected a registry entry in the admin (compliance/admin.py).
SUBPROCESSOR_EDITED = "compliance.subprocessor_edited"
AUDIT_REQUEST_FILED = "compliance.audit_request_filed"
AUDIT_REQUEST_REFUSED = "compliance.audit_request_refused"
AUDIT_REQUEST_COUNTER_PROPOSED = "compliance.audit_request_counter_proposed"
AUDIT_REQUEST_ACCEPTED = "compliance.audit_request_accepted"
AUDIT_REQUEST_CANCELLED = "compliance.audit_request_cancelled"
AUDIT_PACKAGE_READY = "compliance.audit_package_ready"
AUDIT_PACKAGE_EXPORTED = "compliance.audit_package.exported"

# The rules of audit.rules read these; record() queues their evaluation.
LOGIN_FAILURES = frozenset({AUTH_LOGIN_FAILED, AUTH_2FA_FAILED})
EXPORT_SUFFIX = ".exported"


def is_watched(action: str) -> bool:
    return (
        action in LOGIN_FAILURES
        or action
        in (AUTH_LOGIN_SUCCEEDED, ACCESS_DENIED, PLATFORM_ACCESS_DENIED, PERSONAL_DATA_UNREADABLE)
        or action.endswith(EXPORT_SUFFIX)
    )


# Issue 13: consent ledger, minors, retention and policy versions.
CONSENT_GIVEN = "consent.given"
CONSENT_WITHDRAWN = "consent.withdrawn"
CONTACT_AGE_CHANGED = "contact.age_changed"
RETENTION_POLICY_CHANGED = "retention.policy_changed"
RETENTION_APPLIED = "retention.applied"
POLICY_VERSION_CREATED = "policy.version_created"
POLICY_VERSION_PUBLISHED = "policy.version_published"
POLICY_MESSAGES_SENT = "policy.messages_sent"

# Issue 15: product analytics, login data, the reporting database.
ANALYTICS_OPT_OUT_CHANGED = "analytics.opt_out_changed"
ANALYTICS_EVENTS_SENT = "analytics.events_sent"
LOGIN_SESSION_SIGNED_OUT = "login_session.signed_out"
LOGIN_DATA_PURGED = "login_data.purged"
REPORTING_EXTRACTED = "reporting.extracted"
REPORTING_FACTS_FORGOTTEN = "reporting.facts_forgotten"
