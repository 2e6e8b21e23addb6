from django.urls import path

from channels_sms.webhooks import views

app_name = "sms-webhooks"

urlpatterns = [
    path("twilio/sms/", views.twilio_sms, name="twilio-sms"),
    path("twilio/status/", views.twilio_status, name="twilio-status"),
    path("vonage/sms/", views.vonage_sms, name="vonage-sms"),
    path("vonage/status/", views.vonage_status, name="vonage-status"),
]
