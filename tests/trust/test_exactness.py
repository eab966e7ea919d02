"""Exact to the last row: outcomes and undo match what the SERVER holds under lost answers, kills and odd files."""

from __future__ import annotations

import asyncio
import json
import math
import signal
from dataclasses import replace
from pathlib import Path

import aiohttp
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import bulkops
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import conn, line_items, read_csv, write_csv, writes
from tests.trust.conftest import FAST, cli, cli_env, spawn, wait_for
from tests.trust.test_interruptions import _meta

SHEET = ("lineItemId", "productId", "bidOverride")


def _one_per_line_item(sb: Sandbox, n: int, bid: str = "2.41") -> list[list[str]]:
    rows = []
    for li in line_items(sb, "auction")[:n]:
        products = sb.control.retail_media.products(li)
        if products:
            rows.append([li, sorted(products)[0], bid])
    return rows


async def test_a_write_whose_answer_is_lost_is_read_back_and_undo_covers_it(make_sandbox, tmp_path: Path) -> None:
    patient = bulkops.Tuning(FAST.timeouts, replace(FAST.retry, unreachable_after_s=60))  # the reads still answer
    async with make_sandbox(hang_max_s=3) as sb:
        rows = _one_per_line_item(sb, 10)
        old = {(li, sku): sb.control.retail_media.products(li)[sku]["bidOverride"] for li, sku, _ in rows}
        sb.control.set_faults(hang_rate=1.0, methods=("POST",))  # every write hangs; half of them were applied
        path = write_csv(tmp_path / "bids.csv", SHEET, rows)
        first = await bulkops.run("bids", path, connection=conn(sb),
                                  options=bulkops.RunSettings(tmp_path / "run", tuning=patient))
        report = {(r["lineItemId"], r["productId"]): r for r in read_csv(first.files.results)}
        undo = {(r["lineItemId"], r["productId"]) for r in read_csv(first.files.undo)} if first.files.undo else set()
        for key in old:
            applied = sb.control.retail_media.products(key[0])[key[1]]["bidOverride"] == 2.41
            outcome = report[key]["outcome"]
            assert outcome != "failed"  # a lost answer is never a failure
            if outcome == "succeeded":
                assert applied  # what the report says happened, happened
            if applied:
                assert outcome in ("succeeded", "unknown") and key in undo  # every applied change can be undone
            if outcome == "pending":
                assert not applied  # read back: not applied, so it waits for resume
        assert any(r["outcome"] == "succeeded" and "reading it back" in r["message"] for r in report.values())
        sb.control.set_faults(hang_rate=0)
        done = await bulkops.resume(tmp_path / "run", connection=conn(sb), tuning=patient)
        assert done.outcomes["succeeded"] == len(rows) and done.exit_code == 0
        assert all(sb.control.retail_media.products(li)[sku]["bidOverride"] == 2.41 for li, sku, _ in rows)


async def test_a_resumed_removal_is_reported_as_done(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(line_items=30, max_products=60) as sb:
        rows = []
        for li in sb.control.retail_media.line_item_ids(sb.control.retail_media.account_ids()[0]):
            rows += [[li, sku] for sku in sorted(sb.control.retail_media.products(li))[1:21]]  # keep one each
        rows = rows[:300]
        path = write_csv(tmp_path / "remove.csv", ("lineItemId", "productId"), rows)
        sb.control.set_faults(latency_ms=150, methods=("POST",))
        child = spawn("remove", str(path), "--run-dir", "run", "--concurrency", "2", cwd=tmp_path, env=cli_env(sb))
        await asyncio.to_thread(wait_for, lambda: _meta(tmp_path / "run").get("counts", {}).get("succeeded", 0) >= 30)
        child.send_signal(signal.SIGKILL)
        await asyncio.to_thread(child.communicate, timeout=30)
        sb.control.set_faults(latency_ms=0)
        done = await asyncio.to_thread(cli, "resume", "run", "--json", cwd=tmp_path, env=cli_env(sb))
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["outcomes"]["succeeded"] == len(rows)
        assert all(sku not in sb.control.retail_media.products(li) for li, sku in rows)
        undo = read_csv(tmp_path / "run" / "undo.csv")
        assert len([r for r in undo if r["action"] == "add"]) == len(rows)


async def test_a_bad_report_option_is_refused_before_anything_is_sent(sandbox: Sandbox, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bids.csv", SHEET, _one_per_line_item(sandbox, 3))
    done = await asyncio.to_thread(cli, "bids", str(path), "--report-format", "json", "--run-dir", "run",
                                   cwd=tmp_path, env=cli_env(sandbox))
    assert done.returncode == 2 and "--report-format" in done.stderr
    assert writes(sandbox) == 0 and not (tmp_path / "run").exists()


async def test_the_input_changing_under_the_run_does_not_mix_rows_up(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox() as sb:
        rows = [[li, sku, f"{1.5 + i / 100:.2f}"] for i, (li, sku, _) in enumerate(_one_per_line_item(sb, 20))]
        path = write_csv(tmp_path / "bids.csv", SHEET, rows)
        sb.control.set_faults(latency_ms=200, methods=("POST",))
        child = spawn("bids", str(path), "--run-dir", "run", "--concurrency", "1", cwd=tmp_path, env=cli_env(sb))
        await asyncio.to_thread(wait_for, lambda: _meta(tmp_path / "run").get("phase") == "sending")
        write_csv(path, SHEET, sorted(rows, key=lambda r: r[2], reverse=True))  # the user sorts the sheet
        out, err = await asyncio.to_thread(child.communicate, timeout=60)
        assert child.returncode == 0, err
        for r in read_csv(tmp_path / "run" / "results.csv"):
            assert r["after"] == f"bidOverride {r['bidOverride']}"  # each row's own value, not a neighbour's


async def test_the_users_files_are_never_written_over(sandbox: Sandbox, tmp_path: Path) -> None:
    work = tmp_path / "work1"
    work.mkdir()
    path = write_csv(work / "results.csv", SHEET, _one_per_line_item(sandbox, 2))
    before = path.read_bytes()
    done = await asyncio.to_thread(cli, "bids", str(path), "--run-dir", str(work), cwd=tmp_path,
                                   env=cli_env(sandbox))
    assert done.returncode == 2 and "not empty" in done.stderr
    assert path.read_bytes() == before and sorted(p.name for p in work.iterdir()) == ["results.csv"]
    (tmp_path / "a-file").write_text("x")
    as_file = await asyncio.to_thread(cli, "bids", str(path), "--run-dir", "a-file", cwd=tmp_path,
                                      env=cli_env(sandbox))
    assert as_file.returncode == 2 and "is a file" in as_file.stderr
    assert writes(sandbox) == 0


async def test_columns_named_like_ours_are_kept_and_odd_cells_stay_contained(sandbox: Sandbox, tmp_path: Path) -> None:
    (li, sku, _), (li2, sku2, _) = _one_per_line_item(sandbox, 2)
    rows = [[li, sku, "1.31", "7", "my note", "to check"],
            [li2, "x" * 10_000, "1.32", "8", "nul\x00here", "-"],  # a 10 kB id, and a NUL byte in a note
            [li2, sku2, "2" * 2_000_000, "9", "", ""]]               # a 2 MB cell
    path = tmp_path / "bids.parquet"  # a NUL can only come in through a typed file: a CSV with one is refused
    columns = (*SHEET, "row_number", "message", "outcome")
    pq.write_table(pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)}), path)
    result = await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run", report_format="csv")
    report = read_csv(result.files.results)
    assert [r["message (input)"] for r in report][:1] == ["my note"] and report[0]["outcome (input)"] == "to check"
    assert report[0]["outcome"] == "succeeded" and report[0]["row_number"] == "7"
    assert report[1]["errorCode"] == "too-long" and len(report[1]["message"]) < 300
    assert report[2]["errorCode"] == "too-large" and len(report[2]["message"]) < 300
    assert report[1]["message (input)"] == "nul\ufffdhere"  # visibly damaged, not a NUL that cuts the line
    assert all(len(r[k]) < 300 for r in report for k in ("message", "before", "after"))  # our words stay short
    assert writes(sandbox) == 1  # only the good row was sent


def test_a_bad_byte_is_named_by_its_line(tmp_path: Path) -> None:
    lines = ["lineItemId,productId,bidOverride\n"] + [f"50000001,sku-{i:08d}-{'x' * 20},1.2\n" for i in range(3000)]
    lines[1] = "50000001,crème,1.2\n"  # UTF-8 (a file of ASCII and one cp1252 letter is a cp1252 file)
    data = "".join(lines).encode() + b"1,caf\xe9,1.2\n"  # line 3002: a cp1252 byte in a UTF-8 file
    (tmp_path / "bids.csv").write_bytes(data)
    done = cli("bids", "bids.csv", "--dry-run", cwd=tmp_path, env=cli_env(BULKOPS_SANDBOX_DB=str(tmp_path / "s")))
    assert done.returncode == 2 and "line 3002" in done.stderr and "0xe9" in done.stderr


async def test_requests_counted_are_the_requests_the_server_saw(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(error_rate=0.15, reset_rate=0.1, seed=3) as sb:
        path = write_csv(tmp_path / "bids.csv", SHEET, _one_per_line_item(sb, 15))
        result = await bulkops.run("bids", path, connection=conn(sb),
                                   options=bulkops.RunSettings(tmp_path / "run", tuning=FAST))
        assert result.summary["requests"] == sb.control.stats()["requests"] and result.summary["retries"] > 0


async def test_the_token_is_taken_after_the_rate_limit_slot(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(quota=4, quota_window_s=1.0, token_ttl=1, token_grace_s=0) as sb:
        rows = _one_per_line_item(sb, 12)
        path = write_csv(tmp_path / "bids.csv", SHEET, rows)
        tuning = bulkops.Tuning(FAST.timeouts, FAST.retry, quota_window_s=1.0)
        result = await bulkops.run("bids", path, connection=conn(sb),
                                   options=bulkops.RunSettings(tmp_path / "run", tuning=tuning))
        assert result.outcomes["succeeded"] == len(rows)
        assert sb.control.stats().get("status_401", 0) == 0  # no token expired while waiting for its slot


def test_a_config_file_others_may_read_is_warned_about(tmp_path: Path) -> None:
    config = tmp_path / "bulkops.toml"
    config.write_text('base_url = "http://127.0.0.1:9"\nclient_id = "i"\nclient_secret = "s3cret"\n')
    config.chmod(0o644)
    done = cli("export", "--account", "1", "--out", "x.csv", cwd=tmp_path, env=cli_env())
    assert "others may read or write" in done.stderr and "chmod 600" in done.stderr and "s3cret" not in done.stderr


@pytest.mark.parametrize("bad", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
async def test_the_sandbox_refuses_numbers_json_does_not_have(sandbox: Sandbox, bad: bytes) -> None:
    li = line_items(sandbox, "auction")[0]
    sku = sorted(sandbox.control.retail_media.products(li))[0]
    body = b'{"data": [{"id": "%s", "type": "RetailMediaPromotedProduct", "attributes": {"bidOverride": %s}}]}' % (
        sku.encode(), bad)
    async with aiohttp.ClientSession() as s:
        form = {"client_id": sandbox.client_id, "client_secret": sandbox.client_secret,
                "grant_type": "client_credentials"}
        async with s.post(f"{sandbox.base_url}/oauth2/token", data=form) as r:
            token = (await r.json())["access_token"]
        async with s.post(f"{sandbox.base_url}/2026-07/retail-media/line-items/{li}/products/append", data=body,
                          headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}) as r:
            assert r.status == 400 and (await r.json())["errors"][0]["code"] == "json-serialization-error"
        for path, raw in (("/oauth2/token", b"\xff\xfe not a form"), ("/__sandbox__/faults", b"[1, 2"),
                          ("/__sandbox__/quota", b'{"quota": "many"}')):
            async with s.post(sandbox.base_url + path, data=raw,
                              headers={"Content-Type": "application/json"}) as r:
                assert r.status == 400, path
    stored = sandbox.control.retail_media.products(li)[sku]["bidOverride"]
    assert stored is None or math.isfinite(stored)  # nothing of the refused bodies was stored


async def test_a_damaged_journal_is_a_clean_error_on_resume(sandbox: Sandbox, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bids.csv", SHEET, _one_per_line_item(sandbox, 3))
    await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run")
    journal = tmp_path / "run" / "journal.sqlite"
    data = bytearray(journal.read_bytes())
    page = int.from_bytes(data[16:18], "big")  # the database's page size (its header says): the schema page wiped
    data[200:page] = b"\x00" * (page - 200)
    journal.write_bytes(bytes(data))
    done = await asyncio.to_thread(cli, "resume", "run", cwd=tmp_path, env=cli_env(sandbox))
    assert done.returncode == 2 and "Traceback" not in done.stderr and "journal" in done.stderr
    with open(tmp_path / "run" / "summary.json", encoding="utf-8") as f:
        assert json.load(f)["rows"] == 3  # what was written before is left as it was
