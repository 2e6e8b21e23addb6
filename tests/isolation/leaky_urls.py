"""The real URLs plus two endpoints that forget the tenant, to prove the walk notices."""

from django.urls import include, path
from rest_framework import serializers
from rest_framework.response import Response

from instaply.api.serializers import StrictInput
from instaply.urls import urlpatterns as real_urlpatterns
from tenants.api.base import TenantAPIView
from tenants.models import Shop
from tenants.permissions import Capability


class UnscopedShopDetail(TenantAPIView):
    capabilities = {"GET": Capability.MEMBERS_READ}

    def get(self, request, shop_id):
        shop = Shop.objects.get(pk=shop_id)  # the bug: no tenant bound
        return Response({"id": str(shop.id), "name": shop.name})


class UnscopedShopList(TenantAPIView):
    capabilities = {"GET": Capability.MEMBERS_READ}

    def get(self, request):
        return Response({"results": [str(pk) for pk in Shop.objects.values_list("pk", flat=True)]})


class UnscopedNumberMove(TenantAPIView):
    """Moves a number into a shop named in the body, looked up without the tenant."""

    capabilities = {"POST": Capability.CHANNELS_MANAGE}

    class Input(StrictInput):
        shop = serializers.UUIDField()

    def post(self, request, number_id):
        from channels_sms.models import PhoneNumber
        from tenants.scoping import tenant_get

        number = tenant_get(PhoneNumber, tenant=self.tenant, id=number_id)
        number.shop = Shop.objects.get(pk=self.validated(self.Input, request.data)["shop"])
        number.save(update_fields=["shop"])
        return Response({"id": str(number.id)})


leaky = [
    path("leaky/numbers/<uuid:number_id>/move", UnscopedNumberMove.as_view(), name="leaky-move"),
    path("leaky/shops/<uuid:shop_id>", UnscopedShopDetail.as_view(), name="leaky-shop"),
    path("leaky/shops", UnscopedShopList.as_view(), name="leaky-shops"),
]

urlpatterns = [path("api/v1/", include((leaky, "leaky"), namespace="leaky")), *real_urlpatterns]
