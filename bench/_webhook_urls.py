"""The platform's URLs plus the benchmark's baseline: a bare POST view that
answers empty TwiML, through the same middleware, and nothing else."""

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from channels_sms.webhooks.views import EMPTY_TWIML


@csrf_exempt
def bare_twiml(request):
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


urlpatterns = [
    path("bench/bare-twiml/", bare_twiml),
    path("", include("instaply.urls")),
]
