"""trackier-status as a person runs it: the API key from a flag, the environment or the config file (never
shown), a wrong key stopped at the preflight, and a run killed with SIGKILL resumed to the same end."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bulkops.runner.journal import Journal
from tests.jobs.conftest import write_csv
from tests.platforms.trackier.conftest import ids_in, status_calls, statuses

KEY = "tk-secret-key-123"


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("BULKOPS_")}
    return {**base, "BULKOPS_CONFIG": "", **(extra or {})}


def _start(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bulkops", *args], cwd=cwd, env=_env(env), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


async def _cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    child = _start(*args, cwd=cwd, env=env)
    out, err = await asyncio.to_thread(child.communicate, timeout=60)
    return child.returncode, out, err


def _everything(run_dir: Path, *texts: str) -> str:
    files = "".join(p.read_text(errors="ignore") for p in run_dir.iterdir() if p.suffix in (".csv", ".json"))
    return "".join(texts) + files


async def test_the_key_comes_from_a_flag_the_environment_or_the_config_file(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(trackier_campaigns=20, trackier_quota=0, api_key=KEY) as sb:
        active = ids_in(sb, "active")
        where = ["--base-url", sb.base_url, "--rate", "6000", "--json"]
        ways = {"flag": (["--api-key", KEY], {}), "env": ([], {"BULKOPS_TRACKIER_API_KEY": KEY}),
                "config": (["--config", str(tmp_path / "bulkops.toml")], {})}
        (tmp_path / "bulkops.toml").write_text(f'[trackier]\napi_key = "{KEY}"\n')
        (tmp_path / "bulkops.toml").chmod(0o600)
        runs = []
        for n, (name, (flags, env)) in enumerate(ways.items()):  # the three at once: each CLI start costs seconds
            path = write_csv(tmp_path / f"{name}.csv", ["campaignId", "status"], [[active[n], "disabled"]])
            runs.append(_cli("trackier-status", str(path), "--run-dir", name, *where, *flags, cwd=tmp_path, env=env))
        for name, (code, out, err) in zip(ways, await asyncio.gather(*runs), strict=True):
            assert code == 0, err
            assert json.loads(out)["outcomes"]["succeeded"] == 1
            assert KEY not in _everything(tmp_path / name, out, err)
        assert set(statuses(sb, active[:3]).values()) == {"disabled"}


async def test_a_wrong_key_stops_at_the_preflight_with_one_plain_message(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(trackier_campaigns=10, trackier_quota=0, api_key=KEY) as sb:
        path = write_csv(tmp_path / "s.csv", ["campaignId", "status"], [[ids_in(sb, "active")[0], "disabled"]])
        code, out, err = await _cli("trackier-status", str(path), "--base-url", sb.base_url, "--api-key",
                                    "not-the-key", cwd=tmp_path)
        assert code == 2 and "refused the credentials" in err and "API key" in err
        assert "not-the-key" not in out + err and "Traceback" not in err
        assert len([line for line in err.splitlines() if line.startswith("error")]) <= 1
        assert status_calls(sb) == 0 and sb.control.stats()["routes"].get("GET /v2/campaigns") == 1


async def test_a_killed_run_resumes_to_the_state_a_clean_run_gives(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(trackier_campaigns=40, trackier_quota=0, api_key=KEY) as sb:
        active = ids_in(sb, "active")[:16]
        path = write_csv(tmp_path / "s.csv", ["campaignId", "status"], [[i, "disabled"] for i in active])
        sb.control.set_faults(latency_ms=150, methods=("POST",))  # reads answer at once, status calls slowly
        child = _start("trackier-status", str(path), "--run-dir", "run", "--base-url", sb.base_url, "--rate", "6000",
                       "--chunk-size", "1", "--concurrency", "1", cwd=tmp_path, env={"BULKOPS_TRACKIER_API_KEY": KEY})
        await _until_some_done(tmp_path / "run")
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=10)
        done_before = sum(s == "disabled" for s in statuses(sb, active).values())
        assert 0 < done_before < len(active)  # killed mid-way

        sb.control.set_faults(latency_ms=0)
        sb.control.reset_stats()
        code, out, err = await _cli("resume", "run", "--api-key", KEY, "--rate", "6000", "--json", cwd=tmp_path)
        assert code == 0, err
        summary = json.loads(out)
        assert summary["outcomes"]["succeeded"] == summary["rows"] == len(active)
        assert set(statuses(sb, active).values()) == {"disabled"}
        assert status_calls(sb) <= len(active) - done_before + 1  # only what had no known outcome, again
        assert KEY not in _everything(tmp_path / "run", out, err)


async def _until_some_done(run_dir: Path, timeout_s: float = 30) -> None:
    """Wait (30 s at most) until the run has more than one row done."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not _some_done(run_dir):
        await asyncio.sleep(0.1)


def _some_done(run_dir: Path) -> bool:
    if not (run_dir / "journal.sqlite").is_file():
        return False
    try:
        with Journal.open(run_dir) as peek:
            return peek.counts().get("succeeded", 0) > 1
    except Exception:  # noqa: BLE001 - the journal may be mid-creation; look again
        return False


async def test_a_paced_run_stopped_by_ctrl_c_says_which_rows_were_sent(make_sandbox, tmp_path: Path) -> None:
    """Ctrl-C while a run waits for Trackier's pace: the rows whose requests were only waiting are "not sent yet"
    in the reports, not "sent, no answer" (which would tell the user they may have been applied); the rows sent
    are the campaigns changed, and resume sends the rest once."""
    async with make_sandbox(trackier_campaigns=20, trackier_quota=0, api_key=KEY) as sb:
        active = ids_in(sb, "active")[:8]
        path = write_csv(tmp_path / "s.csv", ["campaignId", "status"], [[i, "disabled"] for i in active])
        child = _start("trackier-status", str(path), "--run-dir", "run", "--base-url", sb.base_url, "--rate", "60",
                       "--chunk-size", "1", "--concurrency", "4", cwd=tmp_path, env={"BULKOPS_TRACKIER_API_KEY": KEY})
        await _until_some_done(tmp_path / "run")
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
        assert child.returncode == 130, err
        with (tmp_path / "run" / "results.csv").open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
        said = {r["campaignId"]: r["outcome"] for r in rows}
        changed = {str(i) for i, s in statuses(sb, active).items() if s == "disabled"}
        assert "unknown" not in said.values()
        assert {i for i, s in said.items() if s == "succeeded"} == changed and 1 < len(changed) < len(active)
        assert {s for i, s in said.items() if i not in changed} == {"pending"}

        code, out, err = await _cli("resume", "run", "--api-key", KEY, "--rate", "6000", "--json", cwd=tmp_path)
        assert code == 0, err
        assert json.loads(out)["outcomes"]["succeeded"] == len(active)
        assert status_calls(sb) == len(active)
