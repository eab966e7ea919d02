"""A run killed with SIGKILL mid-way, then resumed, ends in exactly the state a clean run gives."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bulkops.errors import JournalError
from bulkops.platforms.retail_media.executor import ProductExecutor
from bulkops.runner import run
from bulkops.runner.journal import Journal
from bulkops.sandbox import Sandbox
from bulkops.types import Operation, OpKind
from tests.engine.conftest import client_for

CHILD = """
import asyncio, sys
from bulkops.config import Connection, Secret
from bulkops.engine.client import ApiClient
from bulkops.platforms.retail_media.executor import ProductExecutor
from bulkops.runner import run
url, run_dir = sys.argv[1], sys.argv[2]
async def main():
    journal = run.reopen(run_dir)
    conn = Connection(url, "bulkops-sandbox", Secret("sandbox-secret"), "2026-07", None, 2)
    async with ApiClient(conn) as api:
        await run.execute(journal, ProductExecutor(api), rows_total=10**6)
asyncio.run(main())
"""


def _plan(sb: Sandbox) -> tuple[list[Operation], dict[tuple[str, str], float]]:
    ops, wanted = [], {}
    for li in sb.control.line_item_ids(sb.control.account_ids()[0]):
        attrs = sb.control.line_item(li)
        if attrs["type"] != "auction":
            continue
        for sku in sb.control.products(li):
            ops.append(Operation(len(ops) + 2, OpKind.SET_BID, li, sku, {"bid_override": "2.75"}))
            wanted[(li, sku)] = 2.75
    return ops, wanted


async def test_killed_run_resumes_to_the_same_state(make_sandbox, tmp_path: Path) -> None:  # noqa: ANN001
    source = tmp_path / "bids.csv"
    source.write_text("lineItemId,productId,bidOverride\n")
    async with make_sandbox(line_items=60, max_products=40, latency_ms=60) as sb:
        ops, wanted = _plan(sb)
        journal = run.start(tmp_path / "run", {"job": "bids"}, source)
        journal.add_operations(ops)
        journal.close()
        child = subprocess.Popen([sys.executable, "-c", CHILD, sb.base_url, str(tmp_path / "run")],
                                 env={**os.environ, "PYTHONPATH": os.getcwd()})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            with Journal.open(tmp_path / "run") as peek:
                if peek.counts().get("succeeded", 0) > 0:
                    break
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        journal = run.reopen(tmp_path / "run")
        left = run.unfinished(journal)
        assert 0 < left < len(ops)  # killed mid-way: some done, some not known
        async with client_for(sb) as api:
            info = await run.execute(journal, ProductExecutor(api), rows_total=len(ops))
            assert api.counters["requests"] <= left  # only what was not known is sent again
        assert run.unfinished(journal) == 0 and info.counts == {"succeeded": len(ops)}
        for (li, sku), bid in wanted.items():
            assert sb.control.products(li)[sku]["bidOverride"] == bid


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
