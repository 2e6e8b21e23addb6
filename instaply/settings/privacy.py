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
# Backups (backups/, docs/operations.md "Backups and restore"): `manage.py backup`
# writes them under BACKUP_DIR. Database backups hold no key material and are kept
# BACKUP_RETENTION_DAYS: an erasure receipt tells the tenant the date by which the
# last one holding the subject's (already unreadable) ciphertext expires. Key
# backups are kept KEY_BACKUP_RETENTION_DAYS only: after erasure + that many days no
# backup holds a usable key for the erased subject.
BACKUP_DIR = Path(env.text("BACKUP_DIR") or VAR_DIR / "backups")
BACKUP_RETENTION_DAYS = env.integer("BACKUP_RETENTION_DAYS", 35)
KEY_BACKUP_RETENTION_DAYS = env.integer("KEY_BACKUP_RETENTION_DAYS", 7)
# Every crypto-shredded data key gets a line here (ids and time only), written before
# the key's destruction commits; a restore replays it. It must outlive the database:
# a volume shared by every process that erases, backed up with the backups.
ERASURE_LEDGER_PATH = Path(env.text("ERASURE_LEDGER_PATH") or BACKUP_DIR / "erasure-ledger.jsonl")
# pg_dump must run as the database's owner (row-level security hides rows from the
# application's role); by default the same URL as DATABASE_URL.
BACKUP_DATABASE_URL = env.text("BACKUP_DATABASE_URL")

# Retention (privacy/retention): a tenant's conversations with no activity for
# this many days are deleted; a tenant may choose within the platform's bounds.
RETENTION_INACTIVE_DAYS_DEFAULT = env.integer("RETENTION_INACTIVE_DAYS_DEFAULT", 730)
RETENTION_MIN_DAYS = env.integer("RETENTION_MIN_DAYS", 30)
RETENTION_MAX_DAYS = env.integer("RETENTION_MAX_DAYS", 3650)
# The platform's own rows about people.
RETENTION_WEBHOOK_DAYS = env.integer("RETENTION_WEBHOOK_DAYS", 30)
RETENTION_CONCAT_PARTS_DAYS = env.integer("RETENTION_CONCAT_PARTS_DAYS", 2)
RETENTION_SEND_ATTEMPT_DAYS = env.integer("RETENTION_SEND_ATTEMPT_DAYS", 90)
RETENTION_VISITOR_SESSION_DAYS = env.integer("RETENTION_VISITOR_SESSION_DAYS", 90)
# Rows deleted per short transaction.
RETENTION_BATCH_SIZE = env.integer("RETENTION_BATCH_SIZE", 500)

# Minors (privacy/minors.py): under the first age, a contact's data is erased;
# from it up to the second, a parent or guardian must authorise.
MINOR_AGE_CHILD = env.integer("MINOR_AGE_CHILD", 15)
MINOR_AGE_ADULT = env.integer("MINOR_AGE_ADULT", 18)
