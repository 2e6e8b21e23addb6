"""Every environment variable the settings read is documented."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "instaply" / "settings"
# env.text("X"), os.environ.get("X"), and helpers such as _alert_threshold("X", ...).
READS = (
    r"env\.\w+\(\s*\"([A-Z][A-Z0-9_]+)\"",
    r"os\.environ(?:\.get)?\(\s*\"([A-Z][A-Z0-9_]+)\"",
    r"_\w+\(\s*\"([A-Z][A-Z0-9_]+)\"",
)


def _variables_read() -> set[str]:
    modules = sorted(SETTINGS.glob("*.py"))
    assert len(modules) > 5, "instaply/settings is a package of modules, one per concern"
    source = "\n".join(path.read_text() for path in modules)
    return {name for pattern in READS for name in re.findall(pattern, source)}


def test_every_environment_variable_is_in_the_configuration_guide():
    read = _variables_read()
    guide = (ROOT / "docs" / "configuration.md").read_text()
    missing = sorted(name for name in read if f"`{name}`" not in guide)
    assert {"SECRET_KEY", "DATABASE_URL", "SMS_SIMULATOR_URL", "LOG_LEVEL"} <= read, (
        "the patterns no longer find what the settings read"
    )
    assert missing == []
