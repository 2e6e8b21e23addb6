"""Console routes: disclosures."""

urlpatterns: list = []
