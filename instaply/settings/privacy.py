"""Data-subject requests: the clock of the 72 working hours (privacy/deadlines.py)."""

from instaply import env

# Working days are Monday to Friday minus this country's public holidays, in this zone.
PRIVACY_TIME_ZONE = env.text("PRIVACY_TIME_ZONE", "Europe/Paris")
PRIVACY_HOLIDAYS_COUNTRY = env.text("PRIVACY_HOLIDAYS_COUNTRY", "FR")

# Days a database backup is kept: an erasure receipt tells the tenant the date by
# which the last backup holding the subject's (already unreadable) ciphertext expires.
BACKUP_RETENTION_DAYS = env.integer("BACKUP_RETENTION_DAYS", 35)
