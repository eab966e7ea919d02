"""A run killed with SIGKILL mid-way, then resumed, ends in exactly the state a clean run gives."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bulkops.errors import JournalError
from bulkops.platforms.retail_media.actions import Action
from bulkops.runner import pipeline as run
from bulkops.runner.journal import Journal
from bulkops.sandbox import Sandbox
from bulkops.types import Operation

ENV = {**os.environ, "BULKOPS_CLIENT_SECRET": "sandbox-secret", "BULKOPS_CONFIG": ""}


def _resume(run_dir: Path, *extra: str) -> subprocess.Popen[str]:
    """`bulkops resume RUN_DIR` as a user runs it."""
    return subprocess.Popen([sys.executable, "-m", "bulkops", "resume", str(run_dir), *extra],
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _plan(sb: Sandbox) -> tuple[list[Operation], dict[tuple[str, str], float]]:
    ops, wanted = [], {}
    for li in sb.control.retail_media.line_item_ids(sb.control.retail_media.account_ids()[0]):
        attrs = sb.control.retail_media.line_item(li)
        if attrs["type"] != "auction":
            continue
        for sku in sb.control.retail_media.products(li):
            ops.append(Operation(len(ops) + 2, Action.SET_BID, li, sku, {"bid_override": "2.75"}))
            wanted[(li, sku)] = 2.75
    return ops, wanted


def _journaled_run(sb: Sandbox, tmp_path: Path) -> tuple[list[Operation], dict[tuple[str, str], float]]:
    """A run directory with every operation planned and none sent, as a job leaves it before sending."""
    source = tmp_path / "bids.csv"
    ops, wanted = _plan(sb)
    source.write_text("lineItemId,productId,bidOverride\n" + "".join(
        f"{op.parent_id},{op.entity_id},2.75\n" for op in ops))
    meta = {"job": "bids", "base_url": sb.base_url, "client_id": sb.client_id, "api_version": "2026-07",
            "rows_total": len(ops), "report_format": "csv", "snapshot": False, "dry_run": False,
            "header": {"lineItemId": "lineItemId", "productId": "productId", "bidOverride": "bidOverride"}}
    with run.start(tmp_path / "run", meta, source) as journal:
        journal.add_operations(ops)
    return ops, wanted


async def test_killed_run_resumes_to_the_same_state(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(line_items=60, max_products=40, latency_ms=100) as sb:
        ops, wanted = _journaled_run(sb, tmp_path)
        child = _resume(tmp_path / "run", "--concurrency", "2")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            with Journal.open(tmp_path / "run") as peek:
                if peek.counts().get("succeeded", 0) > 0:
                    break
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=10)  # also closes its pipes
        with run.reopen(tmp_path / "run") as journal:
            left = run.unfinished(journal)
        assert 0 < left < len(ops)  # killed mid-way: some done, some not known
        sb.control.reset_stats()
        sb.control.set_faults(latency_ms=0)
        out, err = await asyncio.to_thread(_resume(tmp_path / "run", "--json").communicate, timeout=120)
        assert err == "" or "error" not in err
        summary = json.loads(out)
        assert summary["outcomes"]["succeeded"] == summary["rows"] == len(ops)
        assert (tmp_path / "run" / "results.csv").is_file()
        assert sb.control.stats()["requests"] <= left  # only what was not known is sent again
        assert "sandbox-secret" not in out + err
        for (li, sku), bid in wanted.items():
            assert sb.control.retail_media.products(li)[sku]["bidOverride"] == bid


async def test_resume_refuses_a_changed_input(tmp_path: Path) -> None:
    source = tmp_path / "bids.csv"
    source.write_text("a\n")
    run.start(tmp_path / "run", {"job": "bids"}, source).close()
    source.write_text("b\n")
    try:
        run.reopen(tmp_path / "run")
    except JournalError as exc:
        assert "changed since the run started" in str(exc)
    else:
        raise AssertionError("resume accepted a changed input")


async def test_ctrl_c_exits_130_and_leaves_the_run_resumable(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(line_items=60, max_products=40, latency_ms=150) as sb:
        ops, _ = _journaled_run(sb, tmp_path)
        child = _resume(tmp_path / "run", "--concurrency", "2")
        while True:
            await asyncio.sleep(0.2)
            with Journal.open(tmp_path / "run") as peek:
                if peek.counts().get("succeeded", 0) > 0:
                    break
        child.send_signal(signal.SIGINT)
        _, err = await asyncio.to_thread(child.communicate, timeout=30)
        assert child.returncode == 130 and "bulkops resume" in err
        with run.reopen(tmp_path / "run") as journal:
            assert 0 < run.unfinished(journal) < len(ops)


async def test_a_csv_run_that_journaled_a_sheet_resumes(make_sandbox, tmp_path: Path) -> None:
    """An older bulkops journaled --sheet for a CSV (and ignored it): resume reads the CSV copy as a CSV."""
    async with make_sandbox(line_items=12, max_products=5) as sb:
        source = tmp_path / "bids.csv"
        ops, wanted = _plan(sb)
        source.write_text("lineItemId,productId,bidOverride\n" + "".join(
            f"{op.parent_id},{op.entity_id},2.75\n" for op in ops))
        meta = {"job": "bids", "base_url": sb.base_url, "client_id": sb.client_id, "api_version": "2026-07",
                "rows_total": len(ops), "report_format": "csv", "snapshot": False, "dry_run": False, "sheet": "Bids",
                "header": {"lineItemId": "lineItemId", "productId": "productId", "bidOverride": "bidOverride"}}
        with run.start(tmp_path / "run", meta, source) as journal:
            journal.add_operations(ops)
        child = _resume(tmp_path / "run")
        _, err = await asyncio.to_thread(child.communicate, timeout=60)
        assert child.returncode == 0, err
        assert all(sb.control.retail_media.products(li)[sku]["bidOverride"] == bid for (li, sku), bid in wanted.items())
