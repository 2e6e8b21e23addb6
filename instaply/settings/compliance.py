"""Processor obligations: breach notices, records of processing, sub-processors,
audit requests (breaches/, compliance/)."""

from pathlib import Path

from instaply import env
from instaply.settings.base import VAR_DIR

# A breach is notified to each affected tenant within this many hours of awareness;
# platform security is alerted at these hours for any notice not yet sent.
BREACH_NOTICE_HOURS = 24
BREACH_ALERT_HOURS = (12, 20)

# The processor, as the records of processing and breach notices name it.
PROCESSOR_NAME = env.text("PROCESSOR_NAME", "Instaply SAS")
PROCESSOR_ADDRESS = env.text("PROCESSOR_ADDRESS", "12 rue de la Paix, 75002 Paris, France")
PROCESSOR_DPO_NAME = env.text("PROCESSOR_DPO_NAME", "Data-protection officer")
PROCESSOR_DPO_EMAIL = env.text("PROCESSOR_DPO_EMAIL", "dpo@instaply.localhost")

# Sub-processor changes take effect this many days after they are announced, at least.
SUBPROCESSOR_NOTICE_DAYS = 30
# An audit is proposed this many days ahead at least, once per calendar year.
AUDIT_REQUEST_NOTICE_DAYS = 30
# Evidence packages of audit requests, readable by the application only.
COMPLIANCE_PACKAGE_DIR = Path(env.text("COMPLIANCE_PACKAGE_DIR") or VAR_DIR / "compliance")
# An evidence package is deleted this many days after the audit's date (or after it
# was built, if later): time for the auditors' follow-up questions, not longer.
AUDIT_PACKAGE_KEEP_DAYS = 30

# How database backups are encrypted, as the operator states it (e.g. "pgBackRest,
# AES-256-CBC repository cipher"); the records of processing show it, or say that
# nothing is configured. The application cannot check its backups itself.
BACKUP_ENCRYPTION = env.text("BACKUP_ENCRYPTION", "")
