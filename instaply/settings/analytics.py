"""Anonymous product analytics, staff login data, the reporting database (analytics/)."""

from instaply import env
from instaply.settings.base import production

# Product analytics (Mixpanel). With no token, events go to the local recording
# sink (analytics/), which the platform console shows; nothing leaves the machine.
MIXPANEL_TOKEN = env.text("MIXPANEL_TOKEN")
# Mixpanel's EU data residency by default; a loopback address in the ingestion test.
MIXPANEL_API_URL = env.text("MIXPANEL_API_URL", "https://api-eu.mixpanel.com")
# Pending events are sent in batches by a periodic task this often (seconds).
ANALYTICS_FLUSH_SECONDS = env.integer("ANALYTICS_FLUSH_SECONDS", 60)
# Sent (or locally recorded) events are kept this long, so the DPO can see what left.
ANALYTICS_SENT_KEEP_DAYS = env.integer("ANALYTICS_SENT_KEEP_DAYS", 7)

# Login data of staff (analytics/login_data): kept this long, then purged.
LOGIN_DATA_RETENTION_DAYS = env.integer("LOGIN_DATA_RETENTION_DAYS", 365)
# The request header in which a trusted proxy or CDN names the client's country
# (ISO 3166 alpha-2), e.g. "CF-IPCountry"; empty: the country is not known.
LOGIN_COUNTRY_HEADER = env.text("LOGIN_COUNTRY_HEADER")

# The reporting database (analytics/reporting): its opaque ids are keyed hashes
# under this key, which the reporting side never holds.
REPORTING_KEY = env.text("REPORTING_KEY")
production.require(len(REPORTING_KEY) >= 32, "REPORTING_KEY (at least 32 random characters)")
# The incremental extract runs this often (seconds).
REPORTING_EXTRACT_SECONDS = env.integer("REPORTING_EXTRACT_SECONDS", 300)

# The tenant's own reports (reports/): cycles closed longer ago than this are deleted.
REPORTS_KEEP_DAYS = env.integer("REPORTS_KEEP_DAYS", 400)
