from django.urls import path

from privacy.dsr.api import views

one = "privacy/requests/<uuid:dsr_id>"

urlpatterns = [
    path("privacy/requests", views.PrivacyRequestListApi.as_view(), name="privacy-request-list"),
    path(one, views.PrivacyRequestDetailApi.as_view(), name="privacy-request-detail"),
    path(one + "/cancel", views.PrivacyRequestCancelApi.as_view(), name="privacy-request-cancel"),
    path(one + "/answer", views.PrivacyRequestAnswerApi.as_view(), name="privacy-request-answer"),
]
