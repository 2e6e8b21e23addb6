from django.contrib.auth.views import LogoutView
from django.urls import include, path

from privacy.dsr import package_urls
from web import (
    account,
    auth_views,
    consent,
    conversation,
    demo,
    history,
    inbox,
    minors,
    notices,
    password_reset,
    platform_access_log,
    settings_channels,
    settings_conversations,
    settings_disclosures,
    settings_legal_holds,
    settings_members,
    settings_platform_access,
    settings_policies,
    settings_privacy,
    settings_retention,
    views,
    widget_live,
)

app_name = "web"

c = "c/<uuid:conversation_id>/"

urlpatterns = [
    path("", views.home, name="home"),
    # Signing in and out, invitations, forgotten passwords.
    path("login/", auth_views.SignInView.as_view(), name="login"),
    path("login/verify/", auth_views.two_factor_step, name="two-factor"),
    path("login/enrol/", auth_views.two_factor_enrol, name="two-factor-enrol"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path(
        "invite/<slug:tenant_slug>/<str:token>/", views.accept_invitation, name="accept-invitation"
    ),
    path("password-reset/", password_reset.ResetRequestView.as_view(), name="password-reset"),
    path(
        "password-reset/sent/", password_reset.ResetSentView.as_view(), name="password-reset-sent"
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        password_reset.ResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        password_reset.ResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("language/", account.language, name="language"),
    # The person's own settings.
    path("account/", account.account, name="account"),
    path("account/security/", auth_views.account_security, name="account-security"),
    path("switch-tenant/", views.switch_tenant, name="switch-tenant"),
    # The inbox and its conversations.
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/rows", inbox.inbox_rows, name="inbox-rows"),
    path(c, conversation.conversation_page, name="conversation"),
    path("contacts/<uuid:contact_id>/", history.contact_page, name="contact"),
    path(c + "thread", conversation.thread_fragment, name="thread"),
    path(c + "widget-live", widget_live.widget_signals, name="widget-live"),
    path(c + "reply", conversation.reply, name="reply"),
    path(c + "note", conversation.note, name="note"),
    path(c + "assign", conversation.assign, name="assign"),
    path(c + "status", conversation.change_status, name="status"),
    path(c + "labels", conversation.set_labels, name="labels"),
    path(c + "consents", consent.record_consent, name="consent"),
    path(c + "messages/<uuid:message_id>/retry", conversation.retry, name="retry"),
    path(c + "age", minors.age, name="contact-age"),
    path(c + "parental-authorisation", minors.authorisation, name="parental-authorisation"),
    path(
        c + "parental-authorisation/withdraw",
        minors.authorisation_withdraw,
        name="parental-authorisation-withdraw",
    ),
    # Settings of the workspace.
    path("settings/", settings_members.settings_home, name="settings"),
    path("settings/members/", settings_members.members, name="members"),
    path(
        "settings/members/<uuid:member_id>/role", settings_members.member_role, name="member-role"
    ),
    path(
        "settings/members/<uuid:member_id>/revoke",
        settings_members.member_revoke,
        name="member-revoke",
    ),
    path(
        "settings/invitations/<uuid:invitation_id>/revoke",
        settings_members.invitation_revoke,
        name="invitation-revoke",
    ),
    path(
        "settings/invitations/<uuid:invitation_id>/resend",
        settings_members.invitation_resend,
        name="invitation-resend",
    ),
    path("settings/tokens/", account.tokens, name="tokens"),
    path("settings/tokens/<uuid:token_id>/revoke", account.token_revoke, name="token-revoke"),
    path("settings/shops/", settings_channels.shops, name="shops"),
    path("settings/shops/<uuid:shop_id>/", settings_channels.shop_edit, name="shop"),
    path("settings/numbers/", settings_channels.numbers, name="numbers"),
    path(
        "settings/numbers/accounts",
        settings_channels.provider_account_add,
        name="provider-account-add",
    ),
    path(
        "settings/numbers/<uuid:number_id>/active",
        settings_channels.number_active,
        name="number-active",
    ),
    path("settings/widget/", settings_channels.widgets, name="widgets"),
    path("settings/widget/<uuid:widget_id>/", settings_channels.widget_edit, name="widget"),
    path("settings/security/", settings_members.security, name="security"),
    path(
        "settings/security/alerts/<uuid:alert_id>/acknowledge",
        settings_members.alert_acknowledge_view,
        name="alert-acknowledge",
    ),
    path("settings/platform-access/", settings_platform_access.requests, name="platform-access"),
    path("settings/disclosures/", settings_disclosures.disclosures, name="disclosures"),
    path(
        "settings/platform-access/<uuid:grant_id>/approve",
        settings_platform_access.approve,
        name="platform-access-approve",
    ),
    path(
        "settings/platform-access/<uuid:grant_id>/deny",
        settings_platform_access.deny,
        name="platform-access-deny",
    ),
    path(
        "settings/platform-access/<uuid:grant_id>/revoke",
        settings_platform_access.revoke,
        name="platform-access-revoke",
    ),
    path("settings/platform-access/log/", platform_access_log.log, name="platform-access-log"),
    path(
        "settings/platform-access/log.csv",
        platform_access_log.log_csv,
        name="platform-access-log-csv",
    ),
    # In-app notices.
    path("notices/", notices.notices, name="notices"),
    path("notices/<uuid:notice_id>/dismiss", notices.dismiss, name="notice-dismiss"),
    path("settings/privacy/", settings_privacy.request_list, name="privacy-requests"),
    path("settings/privacy/new", settings_privacy.request_new, name="privacy-request-new"),
    path(
        "settings/privacy/<uuid:dsr_id>/", settings_privacy.request_detail, name="privacy-request"
    ),
    path(
        "settings/privacy/<uuid:dsr_id>/cancel",
        settings_privacy.request_cancel,
        name="privacy-request-cancel",
    ),
    path(
        "settings/privacy/<uuid:dsr_id>/answer",
        settings_privacy.request_answer,
        name="privacy-request-answer",
    ),
    path("settings/privacy-policy/", settings_policies.policies, name="settings-policies"),
    path("settings/legal-holds/", settings_legal_holds.holds, name="legal-holds"),
    path(
        "settings/legal-holds/<uuid:hold_id>/release",
        settings_legal_holds.hold_release,
        name="legal-hold-release",
    ),
    path("settings/retention/", settings_retention.retention, name="retention"),
    path(
        "settings/conversations/",
        settings_conversations.conversations_settings,
        name="settings-conversations",
    ),
    # Development only: the demo.
    path("demo/", demo.landing, name="demo"),
    path("demo/phone", demo.phone, name="demo-phone"),
    path("demo/phone/texts", demo.phone_messages, name="demo-phone-texts"),
    path("demo/shop", demo.shop, name="demo-shop"),
]

# Access packages of data-subject requests (privacy/dsr/downloads.py).
urlpatterns += package_urls.pages

# Settings pages of the processor's obligations (breaches/, compliance/), named in
# this namespace ("web:..."): each part keeps its routes in its own module.
urlpatterns += [
    path("", include("breaches.urls_settings")),
    path("", include("compliance.urls_records_settings")),
    path("", include("compliance.urls_subprocessors_settings")),
    path("", include("compliance.urls_audits_settings")),
    path("", include("analytics.urls_settings")),
    path("", include("analytics.login_data.urls_settings")),
    # Bulk actions, saved views, contact editing, labels and saved replies.
    path("", include("web.urls_working")),
    path("", include("reports.urls")),
    path("", include("notifications.urls_web")),
]
