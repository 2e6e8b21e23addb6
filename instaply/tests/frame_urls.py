"""A URLconf for the header tests: one view of each kind the decorators allow."""

from django.http import HttpResponse
from django.urls import path

from instaply.security_headers import csp_extend, frameable


def plain(request):
    return HttpResponse("<p>plain</p>")


@frameable(origins=["https://shop.example"])
def widget_frame(request):
    return HttpResponse("<p>framed</p>")


@frameable()
def widget_frame_per_request(request):
    response = HttpResponse("<p>framed</p>")
    response.frame_ancestors = [request.GET["origin"]]
    return response


@frameable()
def frameable_without_origins(request):
    return HttpResponse("<p>nobody named</p>")


@csp_extend(img_src=["https://images.example"], connect_src=["https://events.example"])
def extended(request):
    return HttpResponse("<p>extended</p>")


urlpatterns = [
    path("plain", plain),
    path("frame", widget_frame),
    path("frame-per-request", widget_frame_per_request),
    path("frame-nobody", frameable_without_origins),
    path("extended", extended),
]
