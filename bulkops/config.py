"""Connection settings from flags > environment > config file; the only module that reads env vars.

Config file (TOML), first found of ``--config PATH``, ``$BULKOPS_CONFIG``, ``./bulkops.toml``,
``~/.config/bulkops/config.toml``::

    base_url = "https://api.criteo.com"
    client_id = "..."
    client_secret = "..."      # or leave it out and set BULKOPS_CLIENT_SECRET
    api_version = "2026-07"
    rate = 250                 # calls per minute; leave out to learn it from the API's headers
    concurrency = 8
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bulkops.errors import UsageError
from bulkops.types import DEFAULT_API_VERSION, Connection, Secret

__all__ = ["Connection", "Secret", "check_base_url", "configured_base_url", "resolve"]

ENV_PREFIX = "BULKOPS_"
_KEYS = ("base_url", "client_id", "client_secret", "api_version", "rate", "concurrency")


def resolve(flags: Mapping[str, Any], *, config_path: str | None = None,
            env: Mapping[str, str] | None = None) -> Connection:
    """Merge flags (highest), environment and the config file into a checked Connection."""
    env = os.environ if env is None else env
    merged: dict[str, Any] = {}
    merged.update(_read_config(config_path or env.get(f"{ENV_PREFIX}CONFIG")))
    merged.update({k: env[f"{ENV_PREFIX}{k.upper()}"] for k in _KEYS if f"{ENV_PREFIX}{k.upper()}" in env})
    merged.update({k: v for k, v in flags.items() if k in _KEYS and v is not None})
    return _checked(merged)


def configured_base_url(flags: Mapping[str, Any], *, config_path: str | None = None,
                        env: Mapping[str, str] | None = None) -> str | None:
    """The base URL from flags, environment or config file, or None when none names one (→ the sandbox)."""
    env = os.environ if env is None else env
    if flags.get("base_url"):
        return str(flags["base_url"])
    if env.get(f"{ENV_PREFIX}BASE_URL"):
        return env[f"{ENV_PREFIX}BASE_URL"]
    value = _read_config(config_path or env.get(f"{ENV_PREFIX}CONFIG")).get("base_url")
    return str(value) if value else None


def _checked(values: Mapping[str, Any]) -> Connection:
    missing = [k for k in ("base_url", "client_id", "client_secret") if not values.get(k)]
    if missing:
        names = ", ".join(f"--{k.replace('_', '-')} (or {ENV_PREFIX}{k.upper()})" for k in missing)
        raise UsageError(f"missing connection settings: {names}")
    base_url = str(values["base_url"]).rstrip("/")
    check_base_url(base_url)
    return Connection(
        base_url=base_url,
        client_id=str(values["client_id"]),
        client_secret=Secret(str(values["client_secret"])),
        api_version=str(values.get("api_version") or DEFAULT_API_VERSION),
        rate=_positive(values.get("rate"), "rate", float),
        concurrency=int(_positive(values.get("concurrency"), "concurrency", int) or 8),
    )


def check_base_url(url: str) -> None:
    """Refuse plain http except to loopback: credentials must never cross a network in clear."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--base-url {url!r} is not an http(s) URL")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise UsageError(f"--base-url {url!r}: plain http is refused except to loopback; use https")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _positive(value: Any, name: str, kind: type) -> Any:
    if value is None or value == "":
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise UsageError(f"--{name} must be a positive number, not {value!r}") from None
    if number <= 0:
        raise UsageError(f"--{name} must be a positive number, not {value!r}")
    return number


def _read_config(explicit: str | None) -> dict[str, Any]:
    candidates = [Path(explicit)] if explicit else [Path("bulkops.toml"), Path.home() / ".config/bulkops/config.toml"]
    for path in candidates:
        if path.is_file():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise UsageError(f"config file {path}: {exc}") from exc
            unknown = sorted(set(data) - set(_KEYS))
            if unknown:
                raise UsageError(f"config file {path}: unknown keys {unknown}; known: {list(_KEYS)}")
            return data
        if explicit:
            raise UsageError(f"config file {path} does not exist")
    return {}
