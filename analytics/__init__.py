"""Anonymous product analytics (Mixpanel), staff login data, and the
identifiers-only reporting database (docs/privacy.md, docs/reporting.md)."""
