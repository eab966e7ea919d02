"""Connection settings: flags beat env beat the config file; secrets never show; http only to loopback; the
sandbox only when nothing is set; each platform reads its own settings."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import bulkops
from bulkops.config import ConnectionFlags as F
from bulkops.config import resolve
from bulkops.errors import UsageError
from bulkops.platform import ids_given
from bulkops.registry import platform
from bulkops.types import ClientCredentials, Secret

RM = platform("retail-media")
BASE = F(base_url="http://127.0.0.1:8080", client_id="id", client_secret="s3cret")


def _resolve(flags: F, env: dict[str, str] | None = None):
    conn = resolve(RM, flags, env=env or {})
    assert conn is not None
    return conn


def test_flags_beat_env_beat_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('base_url = "https://file.example"\nclient_id = "file-id"\nclient_secret = "f"\nrate = 100\n')
    env = {"BULKOPS_CLIENT_ID": "env-id", "BULKOPS_CONFIG": str(cfg)}
    conn = _resolve(F(client_secret="flag-secret"), env)
    assert isinstance(conn.credentials, ClientCredentials)
    assert (conn.base_url, conn.client_id, conn.credentials.client_secret.reveal(), conn.rate) == (
        "https://file.example", "env-id", "flag-secret", 100.0)


def test_the_files_top_level_keys_are_criteos_alone(tmp_path: Path) -> None:
    """A Criteo pace at the top of the file does not drive Trackier (60 calls a minute) past its quota; its own
    table does, as BULKOPS_TRACKIER_RATE does (BULKOPS_RATE does not)."""
    cfg = tmp_path / "c.toml"
    cfg.write_text('client_id = "id"\nclient_secret = "s"\nrate = 250\nconcurrency = 16\n[trackier]\napi_key = "k"\n')
    trackier = platform("trackier")
    alone = resolve(trackier, F(config=str(cfg)), env={})
    assert alone is not None and (alone.rate, alone.concurrency) == (None, 8)
    assert _resolve(F(config=str(cfg))).rate == 250.0  # Criteo's
    cfg.write_text('rate = 250\n[trackier]\napi_key = "k"\nrate = 30\n')
    own = resolve(trackier, F(config=str(cfg)), env={})
    assert own is not None and own.rate == 30.0


def test_secret_never_prints() -> None:
    conn = _resolve(BASE)
    assert "s3cret" not in repr(conn) and "s3cret" not in str(conn)
    assert "s3cret" not in repr(F("https://api.example.com", "id", "s3cret", api_key="k3y"))  # the flags as given
    assert "k3y" not in repr(F(api_key="k3y"))
    assert isinstance(conn.credentials, ClientCredentials) and conn.credentials.client_secret == Secret("s3cret")


@pytest.mark.parametrize("url", ["http://api.example.com", "http://10.0.0.5:80", "ftp://127.0.0.1"])
def test_plain_http_refused_off_loopback(url: str) -> None:
    with pytest.raises(UsageError, match=r"refused|not an http"):
        _resolve(F(url, "id", "s3cret"))


@pytest.mark.parametrize("url", ["http://localhost:1", "http://127.0.0.9:2", "http://[::1]:3", "https://api.criteo.com"])
def test_loopback_http_and_https_accepted(url: str) -> None:
    assert _resolve(F(url, "id", "s3cret")).base_url == url


@pytest.mark.parametrize("url", ["https://user:hunter2@api.example.com", "https//user:hunter2@api.example.com",
                                 "ftp://user:hunter2@host", "http://user:hunter2@:8792"])
def test_a_password_in_the_url_is_refused_without_being_echoed(url: str) -> None:
    """Even in a URL mistyped otherwise (a missing colon, another scheme, no host), which was quoted whole."""
    with pytest.raises(UsageError) as caught:
        _resolve(F(url, "id", "s3cret"))
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("url", ["https://api.example.com/?api_key=hunter2", "ftp://host?key=hunter2",
                                 "http://api.example.com?key=hunter2"])
def test_a_key_in_a_base_urls_query_is_never_echoed(url: str) -> None:
    with pytest.raises(UsageError) as caught:
        _resolve(F(url, "id", "s3cret"))
    assert "hunter2" not in str(caught.value)


def test_a_url_python_cannot_split_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="not a URL"):
        _resolve(F("https://[::1", "id", "s3cret"))


def test_missing_settings_are_named_with_their_env_var() -> None:
    with pytest.raises(UsageError, match=r"--client-secret \(or BULKOPS_CLIENT_SECRET\)"):
        _resolve(F(base_url="https://x", client_id="i"))


def test_credentials_without_a_base_url_go_to_the_real_api_and_nothing_set_means_the_sandbox() -> None:
    assert _resolve(F(client_id="i", client_secret="s")).base_url == "https://api.criteo.com"
    assert resolve(RM, F(), env={}) is None


def test_an_api_version_bulkops_does_not_know_is_refused() -> None:
    with pytest.raises(UsageError, match="2026-07"):
        _resolve(F(base_url="https://x", client_id="i", client_secret="s", api_version="2019-01"))


@pytest.mark.parametrize(("text", "said"), [('[trackeir]\nbase_url = "https://api.trackier.com"\napi_key = "k"\n',
                                              "unknown keys ['trackeir']"),
                                             ('[trackier]\napikey = "k"\n', "unknown keys ['apikey'] in [trackier]")])
def test_a_misspelled_table_or_key_is_refused_not_left_for_the_sandbox(tmp_path: Path, text: str, said: str) -> None:
    """A setting left unset by a typo meant a run against the embedded sandbox that succeeded (exit 0)."""
    config = tmp_path / "bulkops.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=re.escape(said)):
        resolve(platform("trackier"), F(config=str(config)), env={})


def test_bad_config_file_is_named(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("client_sekret = 1\n")
    with pytest.raises(UsageError, match="unknown keys"):
        _resolve(F(BASE.base_url, "id", "s3cret", config=str(cfg)))
    with pytest.raises(UsageError, match="does not exist"):
        _resolve(F(BASE.base_url, "id", "s3cret", config=str(tmp_path / "nope.toml")))


def test_rate_must_be_positive() -> None:
    for rate in (-5, "nan", "inf"):  # a run paced at nan or inf calls a minute never ended
        with pytest.raises(UsageError, match="--rate must be a positive number"):
            _resolve(F(BASE.base_url, "id", "s3cret", rate=rate))


def _sheet(folder: Path) -> Path:
    sheet = folder / "bids.csv"
    sheet.write_text("lineItemId,productId,bidOverride\n50000000,sku1,1.5\n", encoding="utf-8")
    return sheet


def test_concurrency_is_bounded_everywhere_it_is_given(tmp_path: Path) -> None:
    """A huge concurrency (a typo, an extra zero) used to start a worker per unit until the machine ran out of
    memory; it is refused before anything starts: as a flag, in a run against the embedded sandbox, and in the
    Python API."""
    with pytest.raises(UsageError, match="--concurrency must be between 1 and 256, not 257"):
        _resolve(F(BASE.base_url, "id", "s3cret", concurrency=257))
    assert _resolve(F(BASE.base_url, "id", "s3cret", concurrency=256)).concurrency == 256
    with pytest.raises(UsageError, match="concurrency must be between 1 and 256"):
        bulkops.connect(BASE.base_url, "id", "s3cret", concurrency=10**9)
    for rate in (float("nan"), float("inf"), -5):  # the Python API's pace too: a run at nan never ended
        with pytest.raises(UsageError, match=r"^rate must be a positive number"):
            bulkops.connect(BASE.base_url, "id", "s3cret", rate=rate)
    by_hand = replace(bulkops.connect(BASE.base_url, "id", "s3cret"), concurrency=10**9)  # made without `connect`
    with pytest.raises(UsageError, match=r"^concurrency must be between 1 and 256"):
        asyncio.run(bulkops.run("bids", _sheet(tmp_path), connection=by_hand,
                                options=bulkops.RunSettings(tmp_path / "r")))
    done = subprocess.run([sys.executable, "-m", "bulkops", "bids", str(_sheet(tmp_path)), "--concurrency", "99999999999",
                           "--run-dir", str(tmp_path / "run")], capture_output=True, text=True, timeout=60,
                          check=False, env={k: v for k, v in os.environ.items() if not k.startswith("BULKOPS_")},
                          cwd=tmp_path)
    assert done.returncode == 2 and "--concurrency must be between 1 and 256" in done.stderr
    assert not (tmp_path / "run").exists() and "EMBEDDED SANDBOX" not in done.stderr


@pytest.mark.parametrize(("given", "ids"), [
    ("4000", ("4000",)), (4000, ("4000",)), (4000.0, ("4000",)), (b"4000", ("4000",)),  # one id, never its characters
    (["4000", None, " 4001 ", "4000"], ("4000", "4001")), ("4000,4001", ("4000", "4001")), (",", ()), (None, ())])
def test_ids_as_a_user_gives_them(given: object, ids: tuple[str, ...]) -> None:
    assert ids_given(given) == ids


async def test_resume_never_quotes_a_base_url_holding_a_password(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        await bulkops.resume(tmp_path, connection=F("https://id:hunter2@evil.example.com"))
    assert "hunter2" not in str(caught.value)
