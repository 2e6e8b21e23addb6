"""Data-subject requests: the clock of the 72 working hours (privacy/deadlines.py)."""

from pathlib import Path

from instaply import env
from instaply.settings.base import VAR_DIR

# Working days are Monday to Friday minus this country's public holidays, in this zone.
PRIVACY_TIME_ZONE = env.text("PRIVACY_TIME_ZONE", "Europe/Paris")
PRIVACY_HOLIDAYS_COUNTRY = env.text("PRIVACY_HOLIDAYS_COUNTRY", "FR")

# Where access packages (ZIPs of a subject's data) are written, readable by the
# application only; each is deleted 7 days after it is built (privacy/dsr/package.py).
PRIVACY_PACKAGE_DIR = Path(env.text("PRIVACY_PACKAGE_DIR") or VAR_DIR / "packages")
# Days a database backup is kept: an erasure receipt tells the tenant the date by
# which the last backup holding the subject's (already unreadable) ciphertext expires.
BACKUP_RETENTION_DAYS = env.integer("BACKUP_RETENTION_DAYS", 35)
