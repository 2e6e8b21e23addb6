"""Minors (docs/privacy.md#minors): under the first threshold age a contact's
data is erased; from it up to the second, replies wait for a parental
authorisation that staff record. ``rules`` holds the thresholds and the refusal
every send checks, ``services`` the one path of every age change."""
