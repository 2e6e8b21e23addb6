"""Writes of the breaches app: incidents (incidents.py) and their notices (notices.py)."""
