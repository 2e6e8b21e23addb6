"""Routes of this part, included by the site's URL modules; filled by its issue-15 work."""

urlpatterns = []
