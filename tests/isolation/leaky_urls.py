"""The real URLs plus two endpoints that forget the tenant, to prove the walk notices."""

from django.http import HttpResponse
from django.urls import include, path
from rest_framework import serializers
from rest_framework.response import Response

from instaply.api.serializers import StrictInput
from instaply.urls import urlpatterns as real_urlpatterns
from tenants.api.base import TenantAPIView
from tenants.models import Shop
from tenants.permissions import Capability
from web.tenancy import member_required


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


@member_required(Capability.CONVERSATIONS_READ)
def unscoped_conversation_page(request, conversation_id):
    from conversations.models import Conversation

    conversation = Conversation.objects.get(pk=conversation_id)  # the bug: no tenant bound
    return HttpResponse(f"<h1>Conversation with the shop {conversation.shop_id}</h1>")


@member_required(Capability.CONVERSATIONS_WRITE)
def unscoped_label_form(request, conversation_id):
    from conversations.models import ConversationLabel, Label
    from conversations.selectors import conversation_get

    conversation = conversation_get(tenant=request.tenant, id=conversation_id)
    label = Label.objects.get(pk=request.POST["label"])  # the bug: no tenant bound
    ConversationLabel.objects.create(tenant=request.tenant, conversation=conversation, label=label)
    return HttpResponse("Labels saved.")


leaky_pages = [
    path("leaky/c/<uuid:conversation_id>/", unscoped_conversation_page, name="conversation"),
    path("leaky/c/<uuid:conversation_id>/labels", unscoped_label_form, name="labels"),
]
urlpatterns = [path("", include((leaky_pages, "leaky-web"), namespace="leaky-web")), *urlpatterns]
