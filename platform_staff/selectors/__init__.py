"""Reads of the platform side: staff, tenants as counts, grants, disclosures."""
