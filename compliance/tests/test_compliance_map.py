"""docs/compliance.md names real code and real tests, and every promise.

Each path in backticks that looks like a file or folder of this repository
must exist, so a rename or removal breaks this test instead of the map.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAP = ROOT / "docs" / "compliance.md"
# A repository path: at least one folder, then a name (a file or a folder).
PATH = re.compile(r"`((?:[a-z_][\w.-]*/)+[\w.-]*)`")

PROMISES = [
    "Encryption in transit",
    "Encryption at rest",
    "Encrypted copies",
    "Logging and detection",
    "Every access recorded",
    "Least privilege",
    "Read-only profiles",
    "Immediate revocation",
    "Staff access only on the tenant's instruction",
    "Records of processing",
    "Audits",
    "Data-subject requests within 72 working hours",
    "Retention after erasure",
    "Breach notice within 24 hours",
    "Storage in the EU",
    "Sub-processors and transfers",
    "Anonymous analytics",
    "Login data",
    "Identifiers-only reporting",
    "Children",
    "Sensitive (special-category) data",
    "Service messages",
    "Policy versions",
]


def _paths() -> list[str]:
    return sorted(set(PATH.findall(MAP.read_text(encoding="utf-8"))))


def test_the_map_names_paths():
    paths = _paths()
    assert len(paths) > 40
    assert "audit/recorder.py" in paths and "tests/browser/test_subprocessors.py" in paths


def test_every_path_the_map_names_exists():
    missing = [p for p in _paths() if not (ROOT / p).exists()]
    assert missing == [], f"docs/compliance.md names paths that do not exist: {missing}"


def test_every_promise_has_its_line():
    text = MAP.read_text(encoding="utf-8")
    absent = [p for p in PROMISES if f"| **{p}**" not in text]
    assert absent == [], f"docs/compliance.md has no line for: {absent}"


def test_a_promise_not_kept_names_its_issue():
    for line in MAP.read_text(encoding="utf-8").splitlines():
        if "| not yet" in line:
            assert re.search(r"not yet: issue \d+", line), line
