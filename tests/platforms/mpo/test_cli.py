"""The MPO verbs as a person runs them: exit codes, --json, and a kill -9 mid-run resumed to the same state."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bulkops.runner import pipeline
from bulkops.runner.journal import Journal
from bulkops.sandbox import Sandbox
from tests.platforms.mpo.conftest import advertiser, write_csv, writes


def _env(sb: Sandbox) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("BULKOPS_")}
    return {**base, "BULKOPS_BASE_URL": sb.base_url, "BULKOPS_CLIENT_ID": sb.client_id,
            "BULKOPS_CLIENT_SECRET": sb.client_secret, "BULKOPS_CONFIG": ""}


def _cli(sb: Sandbox, *args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bulkops", *args], cwd=cwd, env=_env(sb),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


async def _done(child: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = await asyncio.to_thread(child.communicate, timeout=120)
    return child.returncode, out, err


async def test_exit_codes_and_json(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(mpo_sellers=10, quota=0) as sb:
        ids = sb.control.mpo.seller_campaign_ids(advertiser(sb))
        path = write_csv(tmp_path / "bids.csv", ["sellerCampaignId", "bid"], [[ids[0], "3.01"], [ids[1], "oops"]])
        ok = write_csv(tmp_path / "ok.csv", ["sellerCampaignId", "bid"], [[ids[2], "3.02"]])
        runs = await asyncio.gather(  # independent runs, at once: the folder stays quick
            _done(_cli(sb, "seller-bids", str(path), "--json", "--run-dir", "run", cwd=tmp_path)),
            _done(_cli(sb, "seller-bids", str(ok), "--quiet", cwd=tmp_path)),
            _done(_cli(sb, "budgets", "nope.csv", cwd=tmp_path)),
            _done(_cli(sb, "export", "--mpo", "--advertiser", str(advertiser(sb)), "--out", "mpo.csv", "--json",
                       cwd=tmp_path)))
        (code, out, err), (ok_code, ok_out, _), (nope, _, nope_err), (exported, export_out, _) = runs
        assert code == 1, err
        summary = json.loads(out)
        assert summary["outcomes"] == {"succeeded": 1, "skipped": 0, "failed": 1, "unknown": 0, "pending": 0}
        assert sb.client_secret not in out + err
        assert ok_code == 0 and ok_out == "" and sb.control.mpo.seller_campaign(ids[2])["bid"] == 3.02
        assert nope == 2 and "nope.csv" in nope_err
        assert exported == 0 and json.loads(export_out)["rows"]["sellerCampaign"] == len(ids)


async def test_killed_seller_bids_run_resumes_to_the_same_state(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(mpo_sellers=2000, quota=0, latency_ms=300) as sb:
        ids = sb.control.mpo.seller_campaign_ids(advertiser(sb))
        path = write_csv(tmp_path / "bids.csv", ["sellerCampaignId", "bid"], [[i, "3.21"] for i in ids])
        child = _cli(sb, "seller-bids", str(path), "--run-dir", "run", "--concurrency", "1", cwd=tmp_path)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            if (tmp_path / "run" / "journal.sqlite").is_file():
                with Journal.open(tmp_path / "run") as peek:
                    if peek.counts().get("succeeded", 0) > 0:
                        break
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=10)
        with pipeline.reopen(tmp_path / "run") as journal:
            left = pipeline.unfinished(journal)
        assert 0 < left < len(ids)  # killed mid-way
        sb.control.reset_stats()
        sb.control.set_faults(latency_ms=0)
        code, out, err = await _done(_cli(sb, "resume", "run", "--json", cwd=tmp_path))
        assert code == 0, err
        summary = json.loads(out)
        assert summary["outcomes"]["succeeded"] == summary["rows"] == len(ids)
        assert sum(writes(sb).values()) <= 2  # only what was not known to be done is sent again
        assert all(sb.control.mpo.seller_campaign(i)["bid"] == 3.21 for i in ids)
