"""The reply box counts SMS segments in the browser (web/static/web/segments.js);
it must say what channels_sms/segments.py, the rule the platform and the
simulated carrier apply, says. Node runs the script over the same texts."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels_sms import segments

SCRIPT = Path(__file__).resolve().parents[1] / "static" / "web" / "segments.js"
NODE = shutil.which("node")

# Skipped on a developer's machine without Node; under CI (CI=true) a missing node
# fails instead, so the check cannot silently stop running. `make test` installs it.
ON_CI = os.environ.get("CI", "").lower() == "true"
pytestmark = pytest.mark.skipif(
    NODE is None and not ON_CI,
    reason="node is not installed (`make test` installs Debian's nodejs)",
)

SAMPLES = [
    "",
    "Hello",
    "a" * 160,
    "a" * 161,
    "a" * 306,
    "a" * 307,
    "€" * 80,  # extension characters count twice: 160 septets
    "€" * 81,
    "a" * 152 + "€",  # an escape pair is never split across two parts
    "Bien reçu, à samedi !",  # ç is outside GSM-7: UCS-2
    "Ça marche",  # Ç is in GSM-7
    "é" * 161,
    "Yes, ready at five 🎂",  # a surrogate pair in UTF-16
    "🎂" * 35,
    "🎂" * 36,
    "x" * 66 + "🎂" + "y" * 10,
    "Line one\nLine two\r\n[brackets] {braces} ~tilde~ |pipe| ^caret^ \\",
    "\f",
    "Ünïcödé Ωmega ΣΘΞ",
    "a" * 4000,
]


@pytest.fixture(autouse=True)
def node_present():
    if NODE is None:
        pytest.fail("node is not installed: `make test` and .ci/run install Debian's nodejs")


def _node(texts: list[str]) -> list[dict]:
    program = (
        f"const s = require({json.dumps(str(SCRIPT))});"
        "const texts = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(texts.map(t => [s.summary(t), s.splitParts(t)])));"
    )
    done = subprocess.run(
        [NODE, "-e", program], input=json.dumps(texts), capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def _python(text: str) -> list:
    return [segments.summary(text), segments.split_parts(text)]


def test_the_script_counts_like_the_platform_on_chosen_texts():
    assert _node(SAMPLES) == [_python(text) for text in SAMPLES]


GSM = segments.GSM7_BASIC + segments.GSM7_EXTENSION
texts = st.text(alphabet=st.sampled_from(GSM), max_size=400) | st.text(max_size=200)


@settings(max_examples=3, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(texts, min_size=150, max_size=150))
def test_the_script_counts_like_the_platform_on_any_text(batch):
    # One node process for a batch of random texts, GSM-7 ones and any Unicode.
    assert _node(batch) == [_python(text) for text in batch]
