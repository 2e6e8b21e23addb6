"""What every backup test needs: the PostgreSQL tools (on PostgreSQL), and a
backup directory and erasure ledger of its own."""

import pytest

from backups.tests.support import require_postgres_tools


@pytest.fixture(autouse=True)
def backup_dir(settings, tmp_path):
    require_postgres_tools()
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.ERASURE_LEDGER_PATH = tmp_path / "backups" / "erasure-ledger.jsonl"
    return settings.BACKUP_DIR
