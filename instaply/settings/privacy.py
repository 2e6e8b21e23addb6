"""Data-subject requests: the clock of the 72 working hours (privacy/deadlines.py)."""

from instaply import env

# Working days are Monday to Friday minus this country's public holidays, in this zone.
PRIVACY_TIME_ZONE = env.text("PRIVACY_TIME_ZONE", "Europe/Paris")
PRIVACY_HOLIDAYS_COUNTRY = env.text("PRIVACY_HOLIDAYS_COUNTRY", "FR")
