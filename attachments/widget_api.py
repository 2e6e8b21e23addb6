"""A visitor sends a file through the widget: /api/widget/v1/<key>/files.

The widget's own checks apply first (allowed origin, visitor token, rate
limits: conversations.widget.api.WidgetApi); the file is then sniffed and
size-checked before anything is written, and lands as a message of the
visitor's conversation with the file attached."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from attachments.models import Attachment
from attachments.services import attachment_store
from attachments.sniffing import sniff
from conversations.widget.api import WidgetApi
from conversations.widget.services import visitor_write
from instaply.errors import Invalid


class VisitorFileOutput(serializers.Serializer):
    message_id = serializers.UUIDField()
    file_id = serializers.UUIDField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()


class WidgetFilesApi(WidgetApi):
    parser_classes = [MultiPartParser]
    http_method_names = ["post", "options"]

    @extend_schema(
        request={"multipart/form-data": {"type": "object", "properties": {"file": {}}}},
        responses={201: VisitorFileOutput},
    )
    def post(self, request, widget_key):
        visitor = self.visitor(request)
        upload = request.FILES.get("file")
        if upload is None:
            raise Invalid("Send the file in the form field 'file'.", fields={"file": ["Required."]})
        data = upload.read()
        sniff(data)  # refused before anything is written
        with transaction.atomic():
            message = visitor_write(visitor=visitor, body="", allow_empty=True)
            attachment = attachment_store(
                message=message, data=data, name=upload.name, source=Attachment.Source.WIDGET
            )
        output = {
            "message_id": message.pk,
            "file_id": attachment.pk,
            "content_type": attachment.content_type,
            "size": attachment.size,
        }
        return Response(VisitorFileOutput(output).data, status=status.HTTP_201_CREATED)
