from django.urls import path

from privacy.minors import api

one = "contacts/<uuid:contact_id>"

urlpatterns = [
    path(one + "/age", api.ContactAgeApi.as_view(), name="contact-age"),
    path(
        one + "/parental-authorisation",
        api.ParentalAuthorisationApi.as_view(),
        name="contact-parental-authorisation",
    ),
]
