"""The platform's URLs plus the benchmark's: a bare POST view that answers empty
TwiML and does nothing else, served twice, where pages are (the whole middleware
stack) and where webhooks are (/webhooks/, their front); and Twilio's inbound
view at a second address under the front, which the native intake does not
serve (channels_sms/webhooks/intake.py), so the view's path is measured in the
same tier and run as the intake's."""

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from channels_sms.webhooks import views
from channels_sms.webhooks.views import EMPTY_TWIML

VIEW_WEBHOOK = "/webhooks/by-view/twilio/sms/"


@csrf_exempt
def bare_twiml(request):
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


urlpatterns = [
    path("bench/bare-twiml/", bare_twiml),
    path("webhooks/bench-bare/", bare_twiml),
    path(VIEW_WEBHOOK.lstrip("/"), views.twilio_sms),
    path("", include("instaply.urls")),
]
