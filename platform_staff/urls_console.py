"""Console routes: console."""

urlpatterns: list = []
