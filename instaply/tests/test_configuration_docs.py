"""Every environment variable the settings read is documented."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_is_in_the_configuration_guide():
    settings_source = (ROOT / "instaply" / "settings.py").read_text()
    read = set(re.findall(r"env\.\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", settings_source))
    read |= set(re.findall(r"os\.environ(?:\.get)?\(\s*\"([A-Z][A-Z0-9_]+)\"", settings_source))
    guide = (ROOT / "docs" / "configuration.md").read_text()
    missing = sorted(name for name in read if f"`{name}`" not in guide)
    assert read, "the settings read no variables? the pattern is out of date"
    assert missing == []
