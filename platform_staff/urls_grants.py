"""Console routes: grants."""

urlpatterns: list = []
