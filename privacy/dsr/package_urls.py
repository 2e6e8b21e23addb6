"""Routes of access-package downloads, included by web/urls.py (pages) and
instaply/urls.py (API, under /api/v1/)."""

from django.urls import path

from privacy.dsr import downloads

pages = [
    path(
        "settings/privacy/<uuid:dsr_id>/package",
        downloads.package_download,
        name="privacy-request-package",
    ),
]

api = [
    path(
        "privacy/requests/<uuid:dsr_id>/package",
        downloads.PrivacyRequestPackageApi.as_view(),
        name="privacy-request-package",
    ),
]
