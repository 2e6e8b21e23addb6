"""CSV cells a spreadsheet shows as text, never evaluates (CSV injection).

Every CSV the platform hands out (the access record, access packages) writes
its cells through ``spreadsheet_cell``.
"""

# A leading character that makes a spreadsheet evaluate a cell; tab and carriage
# return start one in some of them too.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value) -> str:
    """The value as text; one a spreadsheet would evaluate is quoted with a '."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
