"""Reading settings from the environment.

Development and tests get embedded defaults; production collects every missing
item and refuses to start with one message naming them all.
"""

import os

from django.core.exceptions import ImproperlyConfigured

ENVIRONMENTS = ("development", "test", "production")


def current_environment() -> str:
    name = os.environ.get("DJANGO_ENV", "development").strip().lower()
    if name not in ENVIRONMENTS:
        raise ImproperlyConfigured(
            f"DJANGO_ENV must be one of {', '.join(ENVIRONMENTS)}; got {name!r}"
        )
    return name


def text(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def boolean(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false); got {raw!r}")


def integer(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer; got {raw!r}") from None


def listing(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


class ProductionRequirements:
    """Collects what production lacks, then fails once with the whole list."""

    def __init__(self) -> None:
        self.missing: list[str] = []

    def require(self, ok: bool, description: str) -> None:
        if not ok:
            self.missing.append(description)

    def enforce(self) -> None:
        if self.missing:
            lines = "\n".join(f"  - {item}" for item in self.missing)
            raise ImproperlyConfigured(
                "Refusing to start with DJANGO_ENV=production; missing or unsafe:\n" + lines
            )
