from django.apps import AppConfig


class InstaplyConfig(AppConfig):
    name = "instaply"
    verbose_name = "Instaply platform"
