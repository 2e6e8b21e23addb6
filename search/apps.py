from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Search over encrypted data: per-tenant keyed tokens of the words of
    messages and of contacts' names, emails and phone numbers (blind indexes),
    never the words themselves (docs/security.md, "What the search index reveals")."""

    name = "search"
    verbose_name = "Search"
