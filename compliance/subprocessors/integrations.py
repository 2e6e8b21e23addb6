"""Finds the code base's outbound integrations, and which have no registry entry.

A sub-processor is whoever the platform sends tenants' data to. In code that
is (1) an SDK client of a remote service imported by the project's own
modules, (2) a host named in a URL literal in those modules (settings
defaults included), or (3) an address-valued setting (``*_URL``, ``*_HOST``)
that the operator points at a service outside this machine. Each must match
an entry's ``integrations``: a module name (``twilio``), a host or domain
(``twilio.com`` matches ``api.twilio.com``) or ``settings.NAME``.

The rule for imports is closed, so that nothing slips through by being new:
every third-party top-level module the project imports is either a remote
client (needs an entry), a transport (``requests``, ``smtplib``: it talks to
whatever host it is given, and hosts are checked by (2) and (3)), or local
(listed with why it sends nothing out). An import in none of these lists is a
finding too: someone must say what it is. What is not checked and why is
written next to it (``EXPLAINED_*``), never skipped silently.
"""

import ast
import ipaddress
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

# SDKs whose whole point is to call a remote service: each needs an entry.
REMOTE_CLIENTS = {
    "twilio": "Twilio's REST API",
    "vonage": "Vonage's APIs",
    "vonage_sms": "Vonage's SMS API",
    "vonage_http_client": "Vonage's HTTP client",
    "mixpanel": "Mixpanel's ingestion API",
    "boto3": "Amazon Web Services",
    "botocore": "Amazon Web Services",
    "stripe": "Stripe",
    "sentry_sdk": "Sentry",
    "sendgrid": "SendGrid",
    "mailjet_rest": "Mailjet",
    "anymail": "an email service provider",
    "posthog": "PostHog",
    "segment": "Segment",
    "analytics": "Segment",
    "slack_sdk": "Slack",
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "google": "Google Cloud",
    "azure": "Microsoft Azure",
    "datadog": "Datadog",
    "newrelic": "New Relic",
    "rollbar": "Rollbar",
    "bugsnag": "Bugsnag",
    "algoliasearch": "Algolia",
    "firebase_admin": "Firebase",
    "pusher": "Pusher",
    "messagebird": "MessageBird",
    "plivo": "Plivo",
    "sinch": "Sinch",
}

# Clients of the platform's own services (PostgreSQL, Redis): they run at the
# hosting provider, so each needs the hosting entry, like a remote client.
OWN_SERVICE_CLIENTS = {
    "psycopg": "PostgreSQL (at the hosting provider)",
    "redis": "Redis (at the hosting provider)",
}
# Packages of a client above, reaching the same service at the same address:
# counted as that client (the webhook intake's async pool is psycopg's own).
CLIENT_PARTS = {"psycopg_pool": "psycopg"}

# Talk to whatever host they are given: that host is what (2) and (3) check.
TRANSPORTS = {
    "requests": "HTTP to the host it is given",
    "httpx": "HTTP to the host it is given",
    "urllib3": "HTTP to the host it is given",
    "aiohttp": "HTTP to the host it is given",
    "urllib.request": "HTTP to the host it is given",
    "http.client": "HTTP to the host it is given",
    "smtplib": "SMTP to EMAIL_HOST (a setting, checked)",
    "socket": "a socket to the address it is given",
    "celery": "its broker is CELERY_BROKER_URL (a setting, checked)",
    "kombu": "its broker is CELERY_BROKER_URL (a setting, checked)",
}

# Third-party modules that send nothing off the machine by themselves.
LOCAL = {
    "django": "the web framework; its email and cache go through checked settings",
    "rest_framework": "API views and serialisers",
    "drf_spectacular": "builds the OpenAPI schema locally",
    "drf_spectacular_sidecar": "static files served by us",
    "cryptography": "local cryptography",
    "argon2": "local password hashing",
    "axes": "lockouts kept in our database",
    "django_otp": "TOTP computed locally",
    "pgtrigger": "database triggers",
    "ipware": "reads the client IP from the request",
    "nh3": "local HTML sanitising",
    "PIL": "local image decoding and re-encoding (attachments, thumbnails)",
    "filetype": "local file type detection from magic bytes (attachments)",
    "phonenumbers": "local number parsing (offline metadata)",
    "ua_parser": "local user-agent parsing into families (login data; offline regexes)",
    "uuid_utils": "local ids",
    "gunicorn": "our web server",
    "uvicorn": "our web server",
    "uvicorn_worker": "our web server",
    "a2wsgi": "our web server",
    "whitenoise": "serves our static files",
    "segno": "draws QR codes locally",
    "holidays": "offline calendar of public holidays",
    "dj_database_url": "parses DATABASE_URL (checked)",
    "yaml": "parses files",
    "asgiref": "Django's sync/async bridge",
}

# Settings whose value is an address but not of a sub-processor.
EXPLAINED_SETTINGS = {
    "ALLOWED_HOSTS": "inbound: the names this platform answers to",
    "CSRF_TRUSTED_ORIGINS": "inbound: origins allowed to post to this platform",
    "PUBLIC_BASE_URL": "the platform's own public address",
    "STATIC_URL": "a path on the platform itself",
    "MEDIA_URL": "a path on the platform itself",
    "LOGIN_URL": "a page of the platform",
    "LOGIN_REDIRECT_URL": "a page of the platform",
    "LOGOUT_REDIRECT_URL": "a page of the platform",
    "ROOT_URLCONF": "a Python module, not an address",
    "SECURE_SSL_HOST": "the platform's own name, for redirects to HTTPS",
    "AXES_LOCKOUT_URL": "a page of the platform",
    "AXES_ALLOWED_CORS_ORIGINS": "inbound: origins allowed to call this platform",
    "BACKUP_DATABASE_URL": "the platform's own database, reached as its owner by backups",
    "SMS_SIMULATOR_URL": (
        "the project's own provider simulator on loopback; production refuses to start "
        "with it set (instaply/settings/sms.py)"
    ),
}

ADDRESS_SETTING = re.compile(r"^[A-Z][A-Z0-9_]*(_URL|_HOST|_HOSTS|_ENDPOINT|_DSN|_ORIGINS)$")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"'<>`]+", re.IGNORECASE)
# A host name or address literal; placeholders ("{host}") and wildcards are not hosts.
_HOST = re.compile(r"^([a-z0-9-]+(\.[a-z0-9-]+)*|[0-9a-f:.]+)$")
# Reserved names (RFC 2606, RFC 6761): never a real service.
RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost")
RESERVED_DOMAINS = ("example.com", "example.org", "example.net")
# Folders of the project that are not the running platform.
NOT_SHIPPED = {"tests", "bench", "migrations", ".venv", "var", "node_modules", "docs"}


@dataclass(frozen=True)
class Integration:
    kind: str  # "sdk", "host" or "setting"
    name: str  # a module name, a host, or settings.NAME
    where: str  # file:line, or settings.NAME

    def __str__(self) -> str:
        return f"{self.kind} {self.name} ({self.where})"


def local_host(host: str) -> str | None:
    """Why ``host`` is not a sub-processor (loopback or reserved), else None."""
    host = host.lower().strip("[]").rstrip(".")
    if host in ("localhost", "testserver") or host.endswith(".localhost"):
        return "loopback"
    try:
        if ipaddress.ip_address(host).is_loopback:
            return "loopback"
    except ValueError:
        pass
    if host.endswith(RESERVED_SUFFIXES) or host in RESERVED_DOMAINS:
        return "a reserved example name, never contacted"
    return None


def hosts_in(text: str) -> list[str]:
    """Hosts of the absolute URLs in ``text``."""
    hosts = []
    for url in _URL.findall(text):
        try:
            host = urlsplit(url).hostname
        except ValueError:
            continue
        if host and _HOST.match(host):
            hosts.append(host)
    return hosts


# --- (1) and (2): the project's own modules ---------------------------------


def project_modules(root: Path) -> list[Path]:
    """The platform's own Python files: its packages, without tests or benches."""
    files = []
    for package in sorted(p for p in root.iterdir() if (p / "__init__.py").exists()):
        if package.name in NOT_SHIPPED:
            continue
        for path in sorted(package.rglob("*.py")):
            if NOT_SHIPPED & set(path.relative_to(root).parts[:-1]):
                continue
            files.append(path)
    return files


def _imported(tree: ast.AST) -> Iterable[tuple[str, int]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, node.lineno


def _classified(module: str) -> str | None:
    """The key ``module`` is known by ("urllib.request", "twilio"), else None."""
    top = module.split(".")[0]
    if top in CLIENT_PARTS:
        return CLIENT_PARTS[top]
    for known in (module, ".".join(module.split(".")[:2]), top):
        if known in REMOTE_CLIENTS or known in OWN_SERVICE_CLIENTS:
            return known
        if known in TRANSPORTS or known in LOCAL:
            return known
    return None


def scan_source(
    source: str, *, where: str, own: set[str], explained: list | None = None
) -> list[Integration]:
    """Outbound integrations of one module's source; ``own`` are the project's packages.
    What is seen but not counted goes to ``explained`` as (integration, why)."""
    tree = ast.parse(source)
    found = []
    explained = explained if explained is not None else []
    for module, line in _imported(tree):
        top = module.split(".")[0]
        if top in own:
            continue
        known = _classified(module)
        if known in REMOTE_CLIENTS or known in OWN_SERVICE_CLIENTS:
            found.append(Integration("sdk", known, f"{where}:{line}"))
        elif known in TRANSPORTS or known in LOCAL:
            why = TRANSPORTS.get(known) or LOCAL[known]
            explained.append((Integration("sdk", known, f"{where}:{line}"), why))
        elif known is None and top not in sys.stdlib_module_names and top != "__future__":
            # Unclassified: a finding until someone lists it above.
            found.append(Integration("sdk", top, f"{where}:{line}"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for host in hosts_in(node.value):
                seen = Integration("host", host, f"{where}:{node.lineno}")
                why = local_host(host)
                if why is None:
                    found.append(seen)
                else:
                    explained.append((seen, why))
    return found


def scan_modules(root: Path, explained: list | None = None) -> list[Integration]:
    own = {p.name for p in root.iterdir() if (p / "__init__.py").exists()}
    found = []
    for path in project_modules(root):
        where = str(path.relative_to(root))
        source = path.read_text(encoding="utf-8")
        found.extend(scan_source(source, where=where, own=own, explained=explained))
    return found


# --- (3): settings -----------------------------------------------------------


def _strings(value, depth: int = 0) -> Iterable[str]:
    if depth > 4:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item, depth + 1)


def scan_settings(values: Mapping[str, object], explained: list | None = None) -> list[Integration]:
    """Address-valued settings, and non-local hosts in any setting's value."""
    found = []
    explained = explained if explained is not None else []
    for name in sorted(values):
        if not name.isupper():
            continue
        where = f"settings.{name}"
        # A flag such as USE_X_FORWARDED_HOST has the name but holds no address.
        addressing = not isinstance(values[name], bool | int)
        if ADDRESS_SETTING.match(name) and addressing and name not in EXPLAINED_SETTINGS:
            found.append(Integration("setting", where, where))
        if name in EXPLAINED_SETTINGS:
            explained.append((Integration("setting", where, where), EXPLAINED_SETTINGS[name]))
            continue
        for text in _strings(values[name]):
            hosts = hosts_in(text)
            if not hosts and name.endswith("_HOST") and text:
                hosts = [text]
            for host in hosts:
                why = local_host(host)
                if why is None:
                    found.append(Integration("host", host, where))
                else:
                    explained.append((Integration("host", host, where), why))
    return found


# --- matching --------------------------------------------------------------


def covers(integration: Integration, names: Iterable[str]) -> bool:
    """Whether an entry's ``integrations`` name this one."""
    for name in names:
        name = name.lower()
        if integration.kind == "host":
            host = integration.name.lower()
            if host == name or host.endswith("." + name):
                return True
        elif integration.name.lower() == name:
            return True
    return False


def uncovered(integrations: Iterable[Integration], entries) -> list[Integration]:
    """The integrations no entry names. ``entries``: objects with ``integrations``."""
    names = [name for entry in entries for name in entry.integrations]
    return sorted(
        {i for i in integrations if not covers(i, names)}, key=lambda i: (i.kind, i.name, i.where)
    )


def outbound_integrations(
    root: Path | None = None, settings_values=None, explained: list | None = None
) -> list[Integration]:
    """Every outbound integration of the code base as it stands; what was seen and
    not counted goes to ``explained`` as (integration, why)."""
    from django.conf import settings

    if root is None:
        root = Path(settings.BASE_DIR)
    if settings_values is None:
        settings_values = {n: getattr(settings, n) for n in dir(settings) if n.isupper()}
    return scan_modules(root, explained) + scan_settings(settings_values, explained)
