"""The platform's URLs plus the benchmark's baselines: a bare POST view that
answers empty TwiML and does nothing else, served twice: where pages are (the
whole middleware stack) and where webhooks are (/webhooks/, their front)."""

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from channels_sms.webhooks.views import EMPTY_TWIML


@csrf_exempt
def bare_twiml(request):
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


urlpatterns = [
    path("bench/bare-twiml/", bare_twiml),
    path("webhooks/bench-bare/", bare_twiml),
    path("", include("instaply.urls")),
]
