"""Settings → Product analytics (namespace web:)."""

from django.urls import path

from analytics import views_settings

urlpatterns = [
    path(
        "settings/product-analytics/",
        views_settings.product_analytics,
        name="product-analytics",
    ),
]
