from django.urls import path

from channels_sms.api import views

urlpatterns = [
    path("sms-accounts", views.ProviderAccountListApi.as_view(), name="sms-account-list"),
    path(
        "sms-accounts/<uuid:account_id>",
        views.ProviderAccountDetailApi.as_view(),
        name="sms-account-detail",
    ),
    path("phone-numbers", views.PhoneNumberListApi.as_view(), name="phone-number-list"),
    path(
        "phone-numbers/<uuid:number_id>",
        views.PhoneNumberDetailApi.as_view(),
        name="phone-number-detail",
    ),
    path("sms/segments", views.SmsSegmentsApi.as_view(), name="sms-segments"),
]
