"""Connection settings: flags beat env beat the config file; secrets never show; http only to loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkops.config import Secret, resolve
from bulkops.errors import UsageError

BASE = {"base_url": "http://127.0.0.1:8080", "client_id": "id", "client_secret": "s3cret"}


def test_flags_beat_env_beat_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('base_url = "https://file.example"\nclient_id = "file-id"\nclient_secret = "f"\nrate = 100\n')
    env = {"BULKOPS_CLIENT_ID": "env-id", "BULKOPS_CONFIG": str(cfg)}
    conn = resolve({"client_secret": "flag-secret", "rate": None}, env=env)
    assert (conn.base_url, conn.client_id, conn.client_secret.reveal(), conn.rate) == (
        "https://file.example", "env-id", "flag-secret", 100.0)


def test_secret_never_prints() -> None:
    conn = resolve(BASE, env={})
    assert "s3cret" not in repr(conn) and "s3cret" not in str(conn.client_secret)
    assert conn.client_secret == Secret("s3cret")


@pytest.mark.parametrize("url", ["http://api.example.com", "http://10.0.0.5:80", "ftp://127.0.0.1"])
def test_plain_http_refused_off_loopback(url: str) -> None:
    with pytest.raises(UsageError, match="refused|not an http"):
        resolve({**BASE, "base_url": url}, env={})


@pytest.mark.parametrize("url", ["http://localhost:1", "http://127.0.0.9:2", "http://[::1]:3", "https://api.criteo.com"])
def test_loopback_http_and_https_accepted(url: str) -> None:
    assert resolve({**BASE, "base_url": url}, env={}).base_url == url


def test_missing_settings_are_named_with_their_env_var() -> None:
    with pytest.raises(UsageError, match=r"--client-secret \(or BULKOPS_CLIENT_SECRET\)"):
        resolve({"base_url": "https://x", "client_id": "i"}, env={})


def test_bad_config_file_is_named(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("client_sekret = 1\n")
    with pytest.raises(UsageError, match="unknown keys"):
        resolve(BASE, config_path=str(cfg), env={})
    with pytest.raises(UsageError, match="does not exist"):
        resolve(BASE, config_path=str(tmp_path / "nope.toml"), env={})


def test_rate_must_be_positive() -> None:
    with pytest.raises(UsageError, match="--rate must be a positive number"):
        resolve({**BASE, "rate": "-5"}, env={})
