"""Routes of this part (see its views); included by platform_staff/urls.py or web/urls.py."""

urlpatterns = []
