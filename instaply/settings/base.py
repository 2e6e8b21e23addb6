"""Where the platform runs: environment, secret key, debug, public address, hosts.

Every other settings module imports what it needs from here; `production`
collects what production lacks and instaply.settings enforces it last.
"""

import secrets
from pathlib import Path

from instaply import env

BASE_DIR = Path(__file__).resolve().parents[2]
ENVIRONMENT = env.current_environment()
PRODUCTION = ENVIRONMENT == "production"
VAR_DIR = Path(env.text("INSTAPLY_VAR_DIR") or BASE_DIR / "var")

production = env.ProductionRequirements()


def _development_secret(name: str) -> str:
    """A secret generated once per checkout under var/, never committed."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.text("SECRET_KEY")
production.require(len(SECRET_KEY) >= 50, "SECRET_KEY (at least 50 random characters)")
if not SECRET_KEY and not PRODUCTION:
    SECRET_KEY = _development_secret("secret_key")

DEBUG = env.boolean("DEBUG", ENVIRONMENT == "development")
production.require(not DEBUG, "DEBUG must be off")
# The demo's landing page at / (`make run` serves it with DEBUG off, `make dev` with it on).
DEMO_LANDING = env.boolean("DEMO_LANDING", False)

PUBLIC_BASE_URL = env.text("PUBLIC_BASE_URL").rstrip("/")
production.require(
    PUBLIC_BASE_URL.startswith("https://"), "PUBLIC_BASE_URL (the https:// address users reach)"
)
if not PUBLIC_BASE_URL:
    PUBLIC_BASE_URL = "http://127.0.0.1:8000"

ALLOWED_HOSTS = env.listing(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
production.require(bool(ALLOWED_HOSTS), "ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.listing("CSRF_TRUSTED_ORIGINS", [PUBLIC_BASE_URL])
