"""Audit requests: a tenant's owners ask to audit the platform (rules, services,
the evidence package, pages in settings and the console)."""
