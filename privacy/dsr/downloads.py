"""Downloading an access package, and deleting it once it expires.

The tenant's owners and privacy members (``Capability.PRIVACY_REQUESTS``)
download a request's package from its settings page or the API for 7 days
after it is built; every download is audited (``personal_data.exported``,
target the request, with the size), every refusal too (``access.denied``).
After ``expires_at`` the answer is 410 Gone, and the hourly task
``privacy.delete_expired_packages`` deletes the file.
"""

import logging

from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema

from audit import actions
from audit.recorder import Actor, record
from instaply.errors import Conflict, DomainError, NotFound
from privacy.dsr.models import AccessPackage, DataSubjectRequest
from privacy.dsr.package import package_path
from tenants.api.base import TenantAPIView
from tenants.permissions import Capability
from tenants.scoping import tenant_get
from web.tenancy import member_required

logger = logging.getLogger(__name__)

PRIVATE = "private, no-store"


class Gone(DomainError):
    status_code = 410
    code = "gone"


def package_for_download(*, tenant, dsr_id) -> AccessPackage:
    """The request's finished package, still downloadable; NotFound, Conflict
    (not built yet) or Gone (expired, deleted) otherwise."""
    dsr = tenant_get(DataSubjectRequest, tenant=tenant, id=dsr_id, what="privacy request")
    package = AccessPackage.objects.for_tenant(tenant).filter(request=dsr).first()
    if package is None or not package.sha256:
        if dsr.request_type in (
            DataSubjectRequest.Type.ACCESS,
            DataSubjectRequest.Type.PORTABILITY,
        ):
            raise Conflict(_("The package of this request is not ready yet."), code="not_ready")
        raise NotFound(_("This request has no package to download."))
    if package.deleted_at is not None or package.expires_at <= timezone.now():
        raise Gone(
            _(
                "This package expired: packages can be downloaded for 7 days after they "
                "are built, then they are deleted. File a new access request if you need one."
            )
        )
    return package


def package_file_response(request, package: AccessPackage) -> FileResponse:
    """The ZIP as an attachment, streamed from disk; the download is audited first."""
    try:
        file = open(package_path(package), "rb")  # noqa: SIM115 (FileResponse closes it)
    except FileNotFoundError:
        logger.error("access package %s is missing from the package storage", package.pk)
        raise Gone(_("This package is no longer available.")) from None
    record(
        actions.PERSONAL_DATA_EXPORTED,
        request=request,
        target=("dsr", package.request_id),
        metadata={"package": str(package.pk), "size": package.size, "format": "zip"},
    )
    response = FileResponse(
        file,
        as_attachment=True,
        filename=f"personal-data-{package.request_id}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = PRIVATE
    return response


def _refused(request, dsr_id, status: int, code: str) -> None:
    record(
        actions.ACCESS_DENIED,
        outcome="denied",
        request=request,
        target=("dsr", dsr_id),
        metadata={"status": status, "code": code, "method": request.method},
    )


@member_required(Capability.PRIVACY_REQUESTS)
def package_download(request, dsr_id):
    """GET /settings/privacy/<id>/package"""
    try:
        package = package_for_download(tenant=request.tenant, dsr_id=dsr_id)
        return package_file_response(request, package)
    except (Gone, Conflict) as refusal:
        _refused(request, dsr_id, refusal.status_code, refusal.code)
        title = _("Package expired") if isinstance(refusal, Gone) else _("Package not ready")
        response = render(
            request,
            "web/error.html",
            {"status": refusal.status_code, "title": title, "message": refusal.message},
            status=refusal.status_code,
        )
        response["Cache-Control"] = PRIVATE
        return response


class PrivacyRequestPackageApi(TenantAPIView):
    """GET /api/v1/privacy/requests/<id>/package: the request's ZIP."""

    capabilities = {"GET": Capability.PRIVACY_REQUESTS}

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiResponse(description="The access package (ZIP)."),
            409: OpenApiResponse(description="Not built yet."),
            410: OpenApiResponse(description="Expired (7 days after it was built)."),
        }
    )
    def get(self, request, dsr_id):
        try:
            package = package_for_download(tenant=self.tenant, dsr_id=dsr_id)
            return package_file_response(request, package)
        except (Gone, Conflict) as refusal:
            _refused(request, dsr_id, refusal.status_code, refusal.code)
            raise

    def handle_exception(self, exc):
        # A refusal names no personal data, but no answer about a package is cached.
        response = super().handle_exception(exc)
        response["Cache-Control"] = PRIVATE
        return response


def delete_expired_packages(*, now=None) -> int:
    """Deletes the files of expired packages and marks them deleted; safe to repeat."""
    now = now or timezone.now()
    expired = AccessPackage.objects.dangerously_unscoped(
        reason="the periodic deletion of expired packages walks every tenant"
    ).filter(deleted_at__isnull=True, expires_at__lte=now)
    deleted = 0
    for package in expired.only("id", "tenant_id", "request_id", "storage_name").iterator():
        # Missing when an earlier run deleted it and stopped before saving.
        package_path(package).unlink(missing_ok=True)
        package.deleted_at = now
        package.save(update_fields=["deleted_at"])
        record(
            "privacy.request_package_deleted",
            tenant=package.tenant_id,
            actor=Actor.system("delete_expired_packages"),
            target=("dsr", package.request_id),
            metadata={"package": str(package.pk)},
        )
        deleted += 1
    return deleted
