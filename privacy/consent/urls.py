from django.urls import path

from privacy.consent import api

urlpatterns = [
    path(
        "contacts/<uuid:contact_id>/consents",
        api.ContactConsentsApi.as_view(),
        name="contact-consents",
    ),
]
