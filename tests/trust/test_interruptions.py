"""Every interruption leaves an honest state that `resume` finishes: one process per run directory, kill -9
while reading, SIGTERM while sending, and an API that goes away in the middle of a run."""

from __future__ import annotations

import asyncio
import csv
import json
import signal
from dataclasses import replace
from pathlib import Path

import pytest

import bulkops
from bulkops.api import RunSettings
from bulkops.errors import JournalError
from bulkops.runner import pipeline
from bulkops.runner.journal import Journal
from bulkops.sandbox import Sandbox
from bulkops.types import OutcomeStatus
from tests.jobs.conftest import conn, write_csv
from tests.trust.conftest import FAST, ServerProcess, cli, cli_env, spawn, wait_for

SHEET = ("lineItemId", "productId", "bidOverride")


def _bid_sheet(sb: Sandbox, path: Path, bid: str = "2.37",
               line_items: int = 12) -> tuple[Path, dict[tuple[str, str], float]]:
    """A bid on every product of the first auction line items of the first account (a bid no product has)."""
    rows, wanted = [], {}
    rm = sb.control.retail_media
    auction = [li for li in rm.line_item_ids(rm.account_ids()[0]) if rm.line_item(li)["type"] == "auction"]
    for li in auction[:line_items]:
        for sku in rm.products(li):
            rows.append([li, sku, bid])
            wanted[(li, sku)] = float(bid)
    return write_csv(path, SHEET, rows), wanted


def _meta(run_dir: Path) -> dict:
    """What a peek at a running run's journal shows ({} while it is being created)."""
    if not (run_dir / "journal.sqlite").is_file():
        return {}
    try:
        with Journal.open(run_dir) as j:
            return j.meta() | {"counts": j.counts()}
    except JournalError:
        return {}


async def test_one_process_at_a_time_per_run_directory(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox() as sb:
        sb.control.set_faults(latency_ms=400, methods=("POST",))  # slow writes: the run is still sending
        path, _ = _bid_sheet(sb, tmp_path / "bids.csv", line_items=20)
        first = spawn("bids", str(path), "--run-dir", "run", "--concurrency", "1", cwd=tmp_path, env=cli_env(sb))
        try:
            await asyncio.to_thread(wait_for, lambda: _meta(tmp_path / "run").get("counts", {}).get("succeeded"))
            second = await asyncio.to_thread(cli, "resume", "run", cwd=tmp_path, env=cli_env(sb))
            assert second.returncode == 2 and f"in use by pid {first.pid}" in second.stderr
        finally:
            first.send_signal(signal.SIGINT)
            await asyncio.to_thread(first.communicate, timeout=60)


async def test_killed_while_reading_resume_reads_again_and_finishes(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(latency_ms=120) as sb:
        path, wanted = _bid_sheet(sb, tmp_path / "bids.csv")
        child = spawn("bids", str(path), "--run-dir", "run", "--concurrency", "2", cwd=tmp_path, env=cli_env(sb))
        await asyncio.to_thread(wait_for, lambda: _meta(tmp_path / "run").get("phase") == "planning")
        await asyncio.sleep(0.5)  # well inside the reads
        child.kill()
        await asyncio.to_thread(child.communicate, timeout=30)
        assert _meta(tmp_path / "run")["phase"] == "planning" and sb.control.stats()["routes"].get(
            "POST /{version}/retail-media/line-items/{lineItemId}/products/append", 0) == 0
        sb.control.set_faults(latency_ms=0)
        done = await asyncio.to_thread(cli, "resume", "run", cwd=tmp_path, env=cli_env(sb))
        assert done.returncode == 0, done.stderr
        assert "stopped while planning its rows, before anything was sent" in done.stdout + done.stderr
        outcomes = json.loads((tmp_path / "run" / "summary.json").read_text())["outcomes"]
        assert outcomes["succeeded"] + outcomes["skipped"] == len(wanted) and outcomes["failed"] == 0
        assert all(sb.control.retail_media.products(li)[sku]["bidOverride"] == bid for (li, sku), bid in wanted.items())


async def test_sigterm_while_sending_writes_true_reports_and_resume_finishes(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(latency_ms=150) as sb:
        path, wanted = _bid_sheet(sb, tmp_path / "bids.csv")
        child = spawn("bids", str(path), "--run-dir", "run", "--concurrency", "2", cwd=tmp_path, env=cli_env(sb))
        await asyncio.to_thread(wait_for, lambda: _meta(tmp_path / "run").get("counts", {}).get("succeeded", 0) >= 2)
        child.send_signal(signal.SIGTERM)
        _, err = await asyncio.to_thread(child.communicate, timeout=60)
        assert child.returncode == 143 and "bulkops resume run" in err and "reports so far" in err
        summary = json.loads((tmp_path / "run" / "summary.json").read_text())
        seen = sb.control.stats()["requests"]
        assert summary["interrupted"] and summary["requests"] > 0 and abs(summary["requests"] - seen) <= 2
        with open(tmp_path / "run" / "results.csv", encoding="utf-8-sig") as f:
            results = list(csv.DictReader(f))
        pending = [r for r in results if r["outcome"] == "pending"]
        assert pending and all(r["message"] == "not sent yet (resume to finish)" for r in pending)
        assert not (tmp_path / "run" / "errors.csv").exists()  # nothing failed: unsent rows are not errors
        sb.control.set_faults(latency_ms=0)
        done = await asyncio.to_thread(cli, "resume", "run", "--json", cwd=tmp_path, env=cli_env(sb))
        outcomes = json.loads(done.stdout)["outcomes"]
        assert done.returncode == 0 and outcomes["succeeded"] + outcomes["skipped"] == len(wanted)
        assert all(sb.control.retail_media.products(li)[sku]["bidOverride"] == bid for (li, sku), bid in wanted.items())
        whole = (tmp_path / "run" / "summary.json").read_text()
        seen = sb.control.stats()["requests"]
        assert abs(json.loads(whole)["requests"] - seen) <= 4  # both processes' requests: one run

        again = await asyncio.to_thread(cli, "resume", "run", "--json", cwd=tmp_path, env=cli_env(sb))
        assert again.returncode == 0 and json.loads(again.stdout)["outcomes"] == outcomes
        said = await asyncio.to_thread(cli, "resume", "run", cwd=tmp_path, env=cli_env(sb))
        assert said.returncode == 0 and "finished earlier" in said.stderr + said.stdout
        assert "nothing to resume" in said.stderr + said.stdout and sb.control.stats()["requests"] == seen
        assert (tmp_path / "run" / "summary.json").read_text() == whole  # the run's record stands
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        there = await asyncio.to_thread(cli, "resume", "../run", "--json", cwd=elsewhere, env=cli_env(sb))
        files = json.loads(there.stdout)["files"]  # named from where the user is now, not where the run began
        assert files["results"] == str(Path("..", "run", "results.csv")) and all(
            (elsewhere / f).is_file() for f in files.values())


async def test_an_api_gone_mid_run_stops_the_run_resumable_and_resume_finishes(server: ServerProcess,
                                                                                tmp_path: Path) -> None:
    url = server.start()
    env = cli_env(BULKOPS_BASE_URL=url, BULKOPS_CLIENT_ID="bulkops-sandbox", BULKOPS_CLIENT_SECRET="sandbox-secret")
    exported = await asyncio.to_thread(cli, "export", "--account", "4000", "--out", "inv.csv", cwd=tmp_path, env=env)
    assert exported.returncode == 0, exported.stderr
    with open(tmp_path / "inv.csv", encoding="utf-8-sig") as f:
        inventory = list(csv.DictReader(f))
    rows = [r for r in inventory if r["entity"] == "product"]
    kinds = {r["lineItemId"]: r["type"] for r in inventory if r["entity"] == "lineItem"}
    sheet = [[r["lineItemId"], r["productId"], "2.40"] for r in rows if kinds[r["lineItemId"]] == "auction"]
    write_csv(tmp_path / "bids.csv", SHEET, sheet)
    server.kill()
    server.flags = (*server.flags, "--latency-ms", "200")
    server.start()  # the same port and data, now slow
    child = spawn("bids", "bids.csv", "--run-dir", "run", "--concurrency", "2", "--json", cwd=tmp_path, env=env)
    await asyncio.to_thread(wait_for, lambda: _meta(tmp_path / "run").get("counts", {}).get("succeeded", 0) >= 2)
    server.kill()  # the API goes away in the middle of sending
    out, err = await asyncio.to_thread(child.communicate, timeout=90)
    assert child.returncode == 75 and "API unreachable" in err and "bulkops resume run" in err
    said = json.loads(out)  # a script reading stdout gets an object, not nothing
    assert (said["exit_code"], said["kind"], said["run_dir"]) == (75, "ApiUnreachable", "run")
    assert said["summary"]["outcomes"]["succeeded"] >= 2
    counts = _meta(tmp_path / "run")["counts"]
    assert counts.get("pending", 0) > 0 and counts.get("failed", 0) == 0  # unsent rows wait, nothing failed
    server.flags = server.flags[:-2]
    server.start()
    done = await asyncio.to_thread(cli, "resume", "run", "--json", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    outcomes = json.loads(done.stdout)["outcomes"]
    assert outcomes["succeeded"] + outcomes["skipped"] == len(sheet) and outcomes["failed"] == 0
    again = await asyncio.to_thread(cli, "export", "--account", "4000", "--out", "after.csv", cwd=tmp_path, env=env)
    assert again.returncode == 0
    with open(tmp_path / "after.csv", encoding="utf-8-sig") as f:
        bids = {(r["lineItemId"], r["productId"]): r["bidOverride"] for r in csv.DictReader(f) if r["entity"] == "product"}
    assert all(bids[(li, sku)] == "2.4" for li, sku, _ in sheet)


async def test_an_api_answering_only_server_errors_stops_the_run_resumable(make_sandbox, tmp_path: Path) -> None:
    """An API down behind its gateway answers 5xx to everything: the run stops resumable once every answer has been
    one for `unavailable_after_s` (here 1 s), failing no row, instead of retrying each read for minutes; resume
    finishes it once the API is back."""
    async with make_sandbox() as sb:
        path, wanted = _bid_sheet(sb, tmp_path / "bids.csv", line_items=6)
        sb.control.set_faults(latency_ms=150)
        stubborn = bulkops.Tuning(FAST.timeouts, replace(FAST.retry, attempts=1000, deadline_s=600, wait_max_s=0.05,
                                                         unavailable_after_s=1))
        run = asyncio.ensure_future(bulkops.run("bids", path, connection=bulkops.connect(
            sb.base_url, sb.client_id, sb.client_secret, concurrency=2), options=RunSettings(tmp_path / "run",
                                                                                               tuning=stubborn)))
        await asyncio.to_thread(wait_for, lambda: _meta(tmp_path / "run").get("phase") == "planning")
        sb.control.set_faults(error_rate=1.0, latency_ms=0)  # the API goes down while current values are read
        began = asyncio.get_running_loop().time()
        with pytest.raises(bulkops.ApiUnreachable, match="server error"):
            await run
        assert asyncio.get_running_loop().time() - began < 30
        with Journal.open(tmp_path / "run") as journal:
            assert not list(journal.notes(OutcomeStatus.FAILED))
        sb.control.set_faults(error_rate=0.0)
        done = await bulkops.resume(tmp_path / "run", connection=conn(sb), tuning=FAST)
        assert done.outcomes["succeeded"] == len(wanted) and done.outcomes["failed"] == 0
        assert all(sb.control.retail_media.products(li)[sku]["bidOverride"] == bid for (li, sku), bid in wanted.items())


@pytest.mark.parametrize("how", ["by line item", "dry run", "--account"])
async def test_an_api_gone_while_current_values_are_read_fails_no_row_and_resume_finishes(server: ServerProcess,
                                                                                          tmp_path: Path,
                                                                                          how: str) -> None:
    """The API dies while current values are read, before anything is sent, and the reads give up (their retries
    spent) before the API is taken for unreachable: no row is failed for it, as their line items could not be read
    only for want of an API. The run stops resumable and resume reads and pauses them all (a dry run: plans them;
    with --account, whose listing fails the whole batch, the same)."""
    url = server.start()
    env = cli_env(BULKOPS_BASE_URL=url, BULKOPS_CLIENT_ID="bulkops-sandbox", BULKOPS_CLIENT_SECRET="sandbox-secret")
    exported = await asyncio.to_thread(cli, "export", "--account", "4000", "--out", "inv.csv", cwd=tmp_path, env=env)
    assert exported.returncode == 0, exported.stderr
    with open(tmp_path / "inv.csv", encoding="utf-8-sig") as f:
        products = [r for r in csv.DictReader(f) if r["entity"] == "product" and r["status"] == "active"]
    if how == "--account":
        skus = sorted({r["productId"] for r in products})[:40]
        write_csv(tmp_path / "pause.csv", ["productId"], [[sku] for sku in skus])
    else:
        write_csv(tmp_path / "pause.csv", ["lineItemId", "productId"],
                  [[r["lineItemId"], r["productId"]] for r in products])
    server.kill()
    server.flags = (*server.flags, "--latency-ms", "300")
    server.start()  # the same port and data, now slow
    connection = bulkops.connect(url, "bulkops-sandbox", "sandbox-secret", concurrency=1)
    patient = bulkops.Tuning(FAST.timeouts, replace(FAST.retry, unreachable_after_s=600))  # reads give up first
    run = asyncio.ensure_future(bulkops.run(
        "pause", tmp_path / "pause.csv", connection=connection, job_options={"accounts": ("4000",)}
        if how == "--account" else None, options=RunSettings(tmp_path / "run", dry_run=how == "dry run",
                                                             tuning=patient)))
    await asyncio.to_thread(wait_for, lambda: _meta(tmp_path / "run").get("phase") == "planning")
    await asyncio.sleep(1.5)  # some line items read, most not
    server.kill()
    with pytest.raises(bulkops.ApiUnreachable):
        await run
    with Journal.open(tmp_path / "run") as journal:
        assert not list(journal.notes(OutcomeStatus.FAILED))
    server.flags = server.flags[:-2]
    server.start()
    done = await bulkops.resume(tmp_path / "run", connection=connection, tuning=patient)
    rows = len(skus) if how == "--account" else len(products)
    assert done.outcomes["planned" if how == "dry run" else "succeeded"] == rows and done.outcomes["failed"] == 0


async def test_a_run_killed_while_its_journal_was_made_never_began_and_its_directory_is_reused(
        make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox() as sb:
        path, wanted = _bid_sheet(sb, tmp_path / "bids.csv", line_items=2)
        run = tmp_path / "run"  # what kill -9 leaves while the journal is built under its other name
        run.mkdir()
        (run / "journal.sqlite.new").write_bytes(b"SQLite format 3\x00" + bytes(100))
        (run / "journal.sqlite.new-journal").write_bytes(bytes(512))
        (run / "lock").write_bytes(b"")
        (run / "lock.pid").write_text("999999")

        resumed = await asyncio.to_thread(cli, "resume", "run", cwd=tmp_path, env=cli_env(sb))
        assert resumed.returncode == 2 and "this run never began" in resumed.stderr
        assert "before anything was read or sent" in resumed.stderr and not sb.control.stats().get("requests")

        again = await asyncio.to_thread(cli, "bids", str(path), "--run-dir", "run", cwd=tmp_path, env=cli_env(sb))
        assert again.returncode == 0, again.stderr
        assert not (run / "journal.sqlite.new").exists() and (run / "journal.sqlite").is_file()
        assert all(sb.control.retail_media.products(li)[sku]["bidOverride"] == bid for (li, sku), bid in wanted.items())


async def test_a_run_stopped_while_its_input_was_copied_is_resumed(make_sandbox, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    async with make_sandbox() as sb:
        path, wanted = _bid_sheet(sb, tmp_path / "bids.csv", line_items=2)

        def stopped(*_: object) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(pipeline, "_copy_input", stopped)
        with pytest.raises(KeyboardInterrupt):
            await bulkops.api.run("bids", path, connection=conn(sb),
                                  options=RunSettings(run_dir=tmp_path / "run"))
        monkeypatch.undo()
        assert (tmp_path / "run" / "journal.sqlite").is_file() and not (tmp_path / "run" / "input.csv").exists()

        done = await asyncio.to_thread(cli, "resume", "run", cwd=tmp_path, env=cli_env(sb))
        assert done.returncode == 0, done.stderr
        assert all(sb.control.retail_media.products(li)[sku]["bidOverride"] == bid for (li, sku), bid in wanted.items())


async def test_a_stop_during_a_long_check_ends_the_run_within_a_batch_and_resume_finishes(sandbox: Sandbox,
                                                                                         tmp_path: Path) -> None:
    """Ctrl-C and SIGTERM cancel the run's task; checking 120,000 rows is synchronous work no await interrupts, so
    the run stops at the end of the batch being checked (not after every row and its duplicates), resumable."""
    li = sandbox.control.retail_media.line_item_ids(sandbox.control.retail_media.account_ids()[0])[0]
    path = write_csv(tmp_path / "bids.csv", ["lineItemId", "productId", "bidOverride"],
                     [[li, f"sku{n}", "1.25"] for n in range(120_000)])
    seen: list[str] = []

    def stop_after_the_first_batch(p: bulkops.Progress) -> None:
        seen.append(p.phase)
        if p.phase == "checking rows" and p.rows_done:
            asyncio.current_task().cancel()  # what asyncio.run's Ctrl-C handler and our SIGTERM one do

    settings = RunSettings(tmp_path / "run", dry_run=True, snapshot=False)
    with pytest.raises(asyncio.CancelledError):
        await bulkops.run("bids", path, connection=conn(sandbox), job_options={"add": True}, options=settings,
                          listener=stop_after_the_first_batch)
    assert seen.count("checking rows") <= 2 and "finding duplicate rows" not in seen, seen
    assert _meta(tmp_path / "run")["phase"] == "checking"
    asyncio.current_task().uncancel()  # this test's task goes on, as a notebook's would after a stop
    done = await bulkops.resume(tmp_path / "run", connection=conn(sandbox))
    assert done.outcomes["planned"] == 120_000
