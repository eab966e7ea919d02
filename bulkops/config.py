"""Connection settings from flags > environment > config file; the only module that reads env vars.

Config file (TOML), first found of ``--config PATH``, ``$BULKOPS_CONFIG``, ``./bulkops.toml``,
``~/.config/bulkops/config.toml``. Top-level keys are Criteo's (Retail Media and MPO share them); a platform
with settings of its own reads them from its table and from ``BULKOPS_<SECTION>_*``::

    client_id = "..."
    client_secret = "..."      # or leave it out and set BULKOPS_CLIENT_SECRET
    api_version = "2026-07"
    rate = 250                 # calls per minute; leave out to learn it from the API's headers
    concurrency = 8

    [trackier]
    api_key = "..."            # or BULKOPS_TRACKIER_API_KEY

With credentials and no base URL, requests go to the platform's real API (https://api.criteo.com ...).
With nothing configured at all, `resolve` answers None and bulkops runs against the embedded sandbox.
"""

from __future__ import annotations

import ipaddress
import math
import os
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bulkops.errors import UsageError
from bulkops.platform import Platform
from bulkops.types import ApiKey, ClientCredentials, Connection, Credentials, Secret

ENV_PREFIX = "BULKOPS_"
KEYS = ("base_url", "client_id", "client_secret", "api_key", "api_version", "rate", "concurrency")
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 256  # requests in flight at most: far above any quota's use, far below what exhausts memory


@dataclass(frozen=True, slots=True)
class ConnectionFlags:
    """What the user gave on the command line (or as Python keywords); None = not given."""

    base_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)  # a repr, a log or a traceback never shows it
    api_key: str | None = field(default=None, repr=False)
    api_version: str | None = None
    rate: float | None = None
    concurrency: int | None = None
    config: str | None = None  # the config file to read (else $BULKOPS_CONFIG, ./bulkops.toml, ~/.config/...)


def resolve(platform: Platform, flags: ConnectionFlags = ConnectionFlags(), *,
            env: Mapping[str, str] | None = None, notice: Callable[[str], None] | None = None) -> Connection | None:
    """Merge flags (highest), environment and config file into a checked Connection; None if nothing is set.

    `notice` hears of a config file holding a secret that others may read or write (as ssh warns of a key).
    """
    env = os.environ if env is None else env
    values = _merged(platform, flags, env, notice)
    credential_keys = ("client_id", "client_secret") if platform.credentials == "oauth" else ("api_key",)
    if not values.get("base_url") and not any(values.get(k) for k in credential_keys):
        return None
    missing = [k for k in credential_keys if not values.get(k)]
    if missing:
        names = ", ".join(f"--{k.replace('_', '-')} (or {_env_name(platform, k)})" for k in missing)
        raise UsageError(f"missing {platform.title} settings: {names}")
    base_url = str(values.get("base_url") or platform.default_base_url).rstrip("/")
    check_base_url(base_url)
    return Connection(
        platform=platform.name, base_url=base_url, credentials=_credentials(platform, values),
        api_version=_version(platform, values.get("api_version")),
        **pace(values.get("rate"), values.get("concurrency")),
    )


def pace(rate: Any, concurrency: Any) -> dict[str, Any]:
    """The rate and concurrency given (flags, environment or config file), checked, with their defaults."""
    return {"rate": _positive(rate, "rate", float),
            "concurrency": checked_concurrency(int(_positive(concurrency, "concurrency", int) or DEFAULT_CONCURRENCY))}


def checked_concurrency(value: int, name: str = "--concurrency") -> int:
    """A concurrency bulkops can run at: 1 to MAX_CONCURRENCY (a huge one made a worker per unit, until the
    machine ran out of memory)."""
    if not 1 <= value <= MAX_CONCURRENCY:
        raise UsageError(f"{name} must be between 1 and {MAX_CONCURRENCY}, not {value}")
    return value


def _merged(platform: Platform, flags: ConnectionFlags, env: Mapping[str, str],
            notice: Callable[[str], None] | None) -> dict[str, Any]:
    section = platform.settings_section
    data = _read_config(flags.config or env.get(f"{ENV_PREFIX}CONFIG"), notice)
    merged: dict[str, Any] = {}
    if section is None:
        merged.update({k: v for k, v in data.items() if k in KEYS})
    else:
        table = data.get(section) or {}
        if not isinstance(table, dict):
            raise UsageError(f"config file: [{section}] must be a table")
        merged.update(table)  # the file's top-level keys are Criteo's (as its environment variables are): a
        # Criteo pace (250 calls a minute) must not drive another API past its own quota (Trackier's 60)
    merged.update({k: env[_env_name(platform, k)] for k in KEYS if env.get(_env_name(platform, k))})
    merged.update({k: v for k, v in asdict(flags).items() if k in KEYS and v not in (None, "")})
    return merged


def _env_name(platform: Platform, key: str) -> str:
    section = platform.settings_section
    return f"{ENV_PREFIX}{key.upper()}" if section is None else f"{ENV_PREFIX}{section.upper()}_{key.upper()}"


def _credentials(platform: Platform, values: Mapping[str, Any]) -> Credentials:
    if platform.credentials == "oauth":
        return ClientCredentials(str(values["client_id"]), Secret(str(values["client_secret"])))
    return ApiKey(Secret(str(values["api_key"])))


def _version(platform: Platform, asked: Any) -> str | None:
    if not platform.api_versions:
        return None
    version = str(asked or platform.default_api_version)
    if version not in platform.api_versions:
        raise UsageError(f"--api-version {version!r} is not a {platform.title} API version bulkops knows;"
                         f" use one of {', '.join(platform.api_versions)}")
    return version


def check_base_url(url: str) -> None:
    """Refuse plain http except to loopback, and passwords in URLs: credentials never cross a network in clear."""
    if "@" in url:  # before anything that quotes the URL: a mistyped one (https//id:secret@host) too
        raise UsageError("--base-url must not hold a user name or password; pass credentials with their own"
                         " options (the URL was not stored anywhere)")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError as exc:  # an unclosed [ of an IPv6 host ...
        raise UsageError(f"--base-url {url!r} is not a URL ({exc})") from None
    shown = url.split("?", 1)[0].split("#", 1)[0]  # a query may hold a key: never quoted
    if parts.scheme not in ("http", "https") or not hostname:
        raise UsageError(f"--base-url {shown!r} is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback(hostname):
        raise UsageError(f"--base-url {shown!r}: plain http is refused except to loopback; use https")
    if parts.path.strip("/") or parts.query or parts.fragment:
        host = f"{parts.scheme}://{parts.netloc}"
        what = "a path" if parts.path.strip("/") else "a query or fragment"
        raise UsageError(f"--base-url {shown!r} has {what}: give the host alone ({host}); bulkops adds each API's"
                         " own path and version")


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _holds_secret(data: Mapping[str, Any]) -> bool:
    secrets = ("client_secret", "api_key")
    return any(k in data for k in secrets) or any(isinstance(v, dict) and _holds_secret(v) for v in data.values())


def _open_to_others(path: Path) -> bool:
    """Group or others may read or write the file (POSIX permissions; other systems are not judged)."""
    return os.name == "posix" and bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def _positive(value: Any, name: str, kind: type) -> Any:
    if value is None or value == "":
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise UsageError(f"--{name} must be a positive number, not {value!r}") from None
    if not number > 0 or not math.isfinite(number):  # nan and inf are floats too: a run paced by them never ends
        raise UsageError(f"--{name} must be a positive number, not {value!r}")
    return number


def _known(path: Path, data: Mapping[str, Any]) -> None:
    """Every key and table of a config file is one bulkops reads: a misspelled one ([trackeir], apikey) would
    leave a setting unset, and a run without settings goes to the embedded sandbox, exit 0."""
    from bulkops import registry  # noqa: PLC0415 - the platforms' names, when a config file is read

    sections = sorted(p.settings_section for p in registry.platforms() if p.settings_section)
    unknown = sorted(k for k, v in data.items() if k not in KEYS and not (isinstance(v, dict) and k in sections))
    if unknown:
        raise UsageError(f"config file {path}: unknown keys {unknown}; known: {list(KEYS)}, and the tables"
                         f" {', '.join(f'[{s}]' for s in sections)}")
    for section in sections:
        table = data.get(section)
        wrong = sorted(k for k in table if k not in KEYS) if isinstance(table, dict) else []
        if wrong:
            raise UsageError(f"config file {path}: unknown keys {wrong} in [{section}]; known: {list(KEYS)}")


def _read_config(explicit: str | None, notice: Callable[[str], None] | None = None) -> dict[str, Any]:
    candidates = [Path(explicit)] if explicit else [Path("bulkops.toml"), Path.home() / ".config/bulkops/config.toml"]
    for path in candidates:
        if path.is_file():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise UsageError(f"config file {path}: {exc}") from exc
            if notice is not None and _holds_secret(data) and _open_to_others(path):
                notice(f"config file {path} holds a secret and others may read or write it; restrict it"
                       f" (chmod 600 {path})")
            _known(path, data)
            return data
        if explicit:
            raise UsageError(f"config file {path} does not exist")
    return {}
