from django.apps import AppConfig
from django.db.models.signals import post_migrate


class InstaplyConfig(AppConfig):
    name = "instaply"
    verbose_name = "Instaply platform"

    def ready(self):
        # After every migrate, every tenant table has its row-level security
        # policy, whichever app added the table (instaply/rls_schema.py).
        post_migrate.connect(_apply_rls_policies, dispatch_uid="instaply.rls_policies")


def _apply_rls_policies(sender, using="default", **kwargs):
    from instaply import rls_schema

    # Sent once per app with models, after all migrations ran; this app has no
    # models, so it acts on the tenants app's signal (every table exists by then).
    if using == "default" and sender.label == "tenants":
        rls_schema.apply_policies(using)
