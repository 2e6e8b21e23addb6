from django.urls import path

from tenants.api import security, views

urlpatterns = [
    path("me", views.MeApi.as_view(), name="me"),
    path("members", views.MemberListApi.as_view(), name="member-list"),
    path("members/<uuid:member_id>", views.MemberDetailApi.as_view(), name="member-detail"),
    path("members/<uuid:member_id>/revoke", views.MemberRevokeApi.as_view(), name="member-revoke"),
    path("invitations", views.InvitationListApi.as_view(), name="invitation-list"),
    path(
        "invitations/<uuid:invitation_id>",
        views.InvitationDetailApi.as_view(),
        name="invitation-detail",
    ),
    path(
        "invitations/<uuid:invitation_id>/resend",
        views.InvitationResendApi.as_view(),
        name="invitation-resend",
    ),
    path("invitations/accept", views.InvitationAcceptApi.as_view(), name="invitation-accept"),
    path("tokens", views.TokenListApi.as_view(), name="token-list"),
    path("tokens/<uuid:token_id>", views.TokenDetailApi.as_view(), name="token-detail"),
    path("shops", views.ShopListApi.as_view(), name="shop-list"),
    path("shops/<uuid:shop_id>", views.ShopDetailApi.as_view(), name="shop-detail"),
    path("tenant/security", security.TenantSecurityApi.as_view(), name="tenant-security"),
]
