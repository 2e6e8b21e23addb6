"""Instaply's database backends (instaply/db/postgresql: row-level security scope)."""
