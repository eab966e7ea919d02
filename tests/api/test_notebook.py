"""The Python API where people use it: a plain script, a notebook cell (a loop already running), `await` inside
that loop; progress for a listener (bars in a notebook, silence in a script); `bulkops.sandbox` after a bare
`import bulkops`; the embedded sandbox when nothing is configured; messages in Python's terms."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

import bulkops
from bulkops import notebook
from bulkops.runner.events import Progress, ignore
from bulkops.sandbox import Sandbox
from bulkops.target import python_terms
from tests.conftest import SMALL
from tests.jobs.conftest import conn, line_items, write_csv
from tests.runner.test_resume import _journaled_run
from tests.trust.conftest import cli_env, wait_for

SHEET = ("lineItemId", "productId", "bidOverride")
ROOT = Path(__file__).resolve().parents[2]


def _bids(sb: Sandbox, path: Path, bid: str = "1.37", count: int = 3) -> tuple[Path, dict[tuple[str, str], float]]:
    """A bid for the first products of the first active auction line item."""
    li = line_items(sb, "auction", "active")[0]
    skus = sorted(sb.control.retail_media.products(li))[:count]
    return write_csv(path, SHEET, [[li, sku, bid] for sku in skus]), {(li, sku): float(bid) for sku in skus}


def _applied(sb: Sandbox, wanted: dict[tuple[str, str], float]) -> bool:
    return all(sb.control.retail_media.products(li)[sku]["bidOverride"] == bid for (li, sku), bid in wanted.items())


@pytest.fixture
def served() -> Iterator[Sandbox]:
    """A small sandbox serving from a thread and loop of its own: what a script's or a notebook's blocking call
    talks to (a sandbox on the caller's own loop could not answer while that loop waits)."""
    ready, box = threading.Event(), {}

    async def serve() -> None:
        async with Sandbox(**SMALL) as sb:
            box.update(sb=sb, loop=asyncio.get_running_loop(), stop=asyncio.Event())
            ready.set()
            await box["stop"].wait()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(30), "the sandbox did not start"
    yield box["sb"]
    box["loop"].call_soon_threadsafe(box["stop"].set)
    thread.join(30)


@pytest.fixture
def unconfigured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user with nothing configured: no BULKOPS_* settings, no config file; the sandbox's data in tmp_path."""
    for name in [k for k in os.environ if k.startswith("BULKOPS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.config/bulkops/config.toml
    monkeypatch.setenv("BULKOPS_SANDBOX_DB", str(tmp_path / "sandbox.sqlite"))
    monkeypatch.chdir(tmp_path)  # no ./bulkops.toml; runs/ lands here
    return tmp_path


# -- blocking calls: a script, a notebook cell ----------------------------------------------------------------
def test_the_sync_api_from_a_plain_thread_with_no_loop(served: Sandbox, tmp_path: Path) -> None:
    path, wanted = _bids(served, tmp_path / "bids.csv")
    results: list[bulkops.RunResult] = []
    worker = threading.Thread(target=lambda: results.append(bulkops.sync.apply_bids(
        path, connection=conn(served), run_dir=tmp_path / "run")))
    worker.start()
    worker.join(60)
    assert results and results[0].outcomes["succeeded"] == len(wanted) and results[0].exit_code == 0
    assert _applied(served, wanted)
    exported = bulkops.sync.export(["4000"], tmp_path / "inv.csv", connection=conn(served),
                                   filters=bulkops.ExportFilter(products=False))  # the main thread: no loop either
    assert exported.rows["lineItem"] == SMALL["line_items"]


async def test_the_sync_api_inside_a_running_loop_as_a_notebook_cell_calls_it(served: Sandbox, tmp_path: Path) -> None:
    asyncio.get_running_loop()  # pytest-asyncio's loop runs this test, as a kernel's runs a cell
    path, wanted = _bids(served, tmp_path / "bids.csv", bid="2.11")
    threads: set[str] = set()
    result = bulkops.sync.run("bids", path, connection=conn(served),
                              options=bulkops.RunSettings(run_dir=tmp_path / "run"),
                              listener=lambda p: threads.add(threading.current_thread().name))
    assert result.outcomes["succeeded"] == len(wanted) and _applied(served, wanted)
    assert threads == {"bulkops.sync"}  # run on a worker thread's own loop, not this one
    again = bulkops.sync.resume(tmp_path / "run", connection=conn(served))  # nothing left: the same outcomes
    assert again.outcomes["succeeded"] == len(wanted)


async def test_the_sync_api_raises_the_runs_own_error_from_the_worker(tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "bad.csv", ("name",), [["x"]])
    with pytest.raises(bulkops.InputError) as raised:
        bulkops.sync.apply_bids(bad, connection=bulkops.connect("http://127.0.0.1:9", "i", "s"))
    assert raised.value.path == str(bad)


def _served(sandbox: str) -> str:
    """A script's first lines: bulkops imported, and a sandbox (`Sandbox(...)` arguments) served on a thread of
    its own, the API elsewhere, as `sb`."""
    return textwrap.dedent(f"""
        import asyncio, json, sys, threading
        import bulkops
        from bulkops.runner.journal import Journal
        from bulkops.sandbox import Sandbox

        ready, box = threading.Event(), {{}}

        async def serve():  # the API, elsewhere: a thread of its own
            async with Sandbox({sandbox}) as sb:
                box.update(sb=sb)
                ready.set()
                await asyncio.Event().wait()

        threading.Thread(target=asyncio.run, args=(serve(),), daemon=True).start()
        ready.wait(30)
    """)


CELL = _served("seed=7, line_items=20, max_products=10, quota=0, latency_ms=150") + textwrap.dedent("""
    sb, rm = box["sb"], box["sb"].control.retail_media
    rows = [f"{li},{sku},2.49" for li in rm.line_item_ids(rm.account_ids()[0])[:16] for sku in rm.products(li)]
    open("bids.csv", "w").write("lineItemId,productId,bidOverride\\n" + "\\n".join(rows) + "\\n")
    conn = bulkops.connect(sb.base_url, sb.client_id, sb.client_secret, concurrency=1)

    def go(call):
        if sys.argv[1] == "script":
            return call()
        async def cell():  # a blocking call while a loop runs: a notebook cell, or async code of a script
            return call()
        if sys.argv[1] == "asyncio.run":
            return asyncio.run(cell())
        return asyncio.new_event_loop().run_until_complete(cell())  # no handler of asyncio.run's: as ipykernel

    try:
        go(lambda: bulkops.sync.apply_bids("bids.csv", connection=conn, run_dir="run", snapshot=False, add=True))
        print("not interrupted", flush=True)
    except KeyboardInterrupt:
        with Journal.open("run") as journal:  # stopped mid-way: some rows not sent yet
            left = journal.counts().get("pending", 0) + journal.counts().get("unknown", 0)
        print("interrupted" if left else "interrupted after the end", flush=True)
    sb.control.set_faults(latency_ms=0)
    result = go(lambda: bulkops.sync.resume("run", connection=conn))
    print(json.dumps({"rows": len(rows), "outcomes": result.outcomes, "exit_code": result.exit_code}), flush=True)
""")


@pytest.mark.slow
@pytest.mark.parametrize("where", ["script", "notebook", "asyncio.run"])
def test_ctrl_c_stops_a_blocking_call_resumably_and_resume_finishes_it(where: str, tmp_path: Path) -> None:
    """SIGINT while sending (Ctrl-C in a script; a notebook's interrupt or Ctrl-C in a script's async code, where
    the call runs on a worker thread): KeyboardInterrupt once the run has journaled what it sent;
    `bulkops.sync.resume` then finishes it."""
    from tests.trust.test_interruptions import _meta

    child = subprocess.Popen([sys.executable, "-c", CELL, where], cwd=tmp_path, env=cli_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: _meta(tmp_path / "run").get("counts", {}).get("succeeded"), timeout=30)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 0, err
    said, resumed = out.splitlines()
    assert said == "interrupted", out + err
    resumed = json.loads(resumed)
    assert resumed["exit_code"] in (0, 1) and not resumed["outcomes"].get("pending"), resumed  # finished
    assert sum(resumed["outcomes"].values()) == resumed["rows"] and resumed["outcomes"]["succeeded"] > 0


# -- await inside a running loop; progress -------------------------------------------------------------------
async def test_await_inside_a_running_loop_and_a_listener_hears_every_phase(sandbox: Sandbox, tmp_path: Path) -> None:
    path, wanted = _bids(sandbox, tmp_path / "bids.csv", bid="1.93", count=5)
    heard: list[Progress] = []
    result = await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run", listener=heard.append)
    assert result.outcomes["succeeded"] == len(wanted) and _applied(sandbox, wanted)
    assert all(isinstance(p, Progress) for p in heard)
    phases = list(dict.fromkeys(p.phase for p in heard))
    assert phases == ["checking rows", "finding duplicate rows", "reading current values", "sending",
                      "writing the undo file", "writing reports", "done"], phases
    assert heard[-1].rows_done == heard[-1].rows_total == len(wanted)
    exported: list[Progress] = []
    await bulkops.export(["4000"], tmp_path / "inv.csv", connection=conn(sandbox), listener=exported.append)
    assert exported and exported[-1].phase == "done" and exported[-1].rows_done > 0


def test_no_listener_is_silence_in_a_script_and_bars_in_a_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not notebook.in_notebook() and notebook.chosen(None) is ignore
    assert notebook.chosen(print) is print and bulkops.quiet is ignore

    class ZMQInteractiveShell:  # what a Jupyter kernel's IPython is
        kernel = object()

    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=ZMQInteractiveShell))
    assert notebook.in_notebook()
    pytest.importorskip("tqdm")
    assert isinstance(notebook.chosen(None), notebook.ProgressBars)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # tqdm not installed: plain lines instead
    assert isinstance(notebook.chosen(None), notebook.PlainLines)


async def test_progress_bars_draw_each_phase_of_a_real_run(sandbox: Sandbox, tmp_path: Path) -> None:
    from tqdm import tqdm

    path, wanted = _bids(sandbox, tmp_path / "bids.csv", bid="1.71", count=4)
    drawn = io.StringIO()
    bars = notebook.ProgressBars(tqdm, file=drawn, mininterval=0)
    await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run", listener=bars)
    text = drawn.getvalue()
    for phase in ("checking rows", "reading current values", "sending"):
        assert phase in text, text
    assert f"{len(wanted)}/{len(wanted)}" in text and "req" in text
    assert bars._bar is None  # "done" closed the last one

    path, _ = _bids(sandbox, tmp_path / "again.csv", bid="1.72", count=4)
    lines = io.StringIO()
    await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "again", listener=notebook.PlainLines(lines))
    assert "[checking rows]" in lines.getvalue() and "[done]" in lines.getvalue()


# -- import bulkops ------------------------------------------------------------------------------------------
def test_import_bulkops_is_light_and_its_sandbox_loads_on_first_use() -> None:
    code = textwrap.dedent("""
        import asyncio, sys
        import bulkops
        heavy = [m for m in ("pandas", "aiohttp", "bulkops.sandbox", "bulkops.api", "tqdm") if m in sys.modules]
        assert not heavy, heavy

        async def main():
            async with bulkops.sandbox.Sandbox(line_items=3, max_products=2, mpo_sellers=2,
                                               trackier_campaigns=2) as sb:
                print(type(sb).__name__, sb.base_url.startswith("http://127.0.0.1:"))
        asyncio.run(main())
        print(callable(bulkops.sync.apply_bids), bulkops.notebook.quiet is bulkops.quiet)
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=cli_env(), capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["Sandbox", "True", "True", "True"]


# -- where a run goes, said in Python's terms ----------------------------------------------------------------
def test_nothing_configured_goes_to_the_embedded_sandbox_and_says_so(unconfigured: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    result = bulkops.sync.export(["4000"], "inv.csv", filters=bulkops.ExportFilter(products=False))
    assert result.rows["lineItem"] > 0 and (unconfigured / "sandbox.sqlite").is_file()
    said = capsys.readouterr().err
    assert "EMBEDDED SANDBOX" in said and "connection=bulkops.connect(" in said and "--base-url" not in said


async def test_half_configured_says_what_to_pass_in_python(unconfigured: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BULKOPS_CLIENT_ID", "someone")  # and no secret
    path = write_csv(unconfigured / "one.csv", SHEET, [["1", "abc", "1.2"]])
    with pytest.raises(bulkops.UsageError) as raised:
        await bulkops.apply_bids(path)
    said = str(raised.value)
    assert "client_secret" in said and "bulkops.connect(base_url, client_id, client_secret)" in said, said
    assert "BULKOPS_CLIENT_SECRET" in said and "--" not in said
    with pytest.raises(bulkops.UsageError, match="BULKOPS_CLIENT_SECRET") as sync_raised:
        bulkops.sync.apply_bids(path)
    assert "--" not in str(sync_raised.value)
    with pytest.raises(bulkops.UsageError) as cli_raised:  # the command line's flags keep the flags' words
        await bulkops.run("bids", path, connection=bulkops.ConnectionFlags())
    assert "--client-secret" in str(cli_raised.value)
    assert not (unconfigured / "sandbox.sqlite").exists()  # half a setting never falls back to the sandbox


async def test_python_messages_name_arguments_not_flags(make_sandbox, tmp_path: Path) -> None:
    with pytest.raises(bulkops.UsageError, match=r"^base_url 'http://example\.com': plain http") as raised:
        bulkops.connect("http://example.com", "id", "secret")
    assert "--" not in str(raised.value)
    assert bulkops.connect(None, "id", "secret").base_url == "https://api.criteo.com"  # as on the command line
    assert bulkops.connect(None, api_key="k", platform="trackier").base_url.startswith("https://")
    with pytest.raises(bulkops.UsageError, match="needs client_id and client_secret"):
        bulkops.connect(None)  # a usage error, not an AttributeError
    async with make_sandbox() as sb, make_sandbox(seed=8) as other:
        _journaled_run(sb, tmp_path)
        with pytest.raises(bulkops.UsageError, match="retarget=True") as refused:
            await bulkops.resume(tmp_path / "run", connection=conn(other))
        assert "--" not in str(refused.value)
    with pytest.raises(ValueError, match="'paused', 'active' or 'removed'"):
        await bulkops.set_product_status(tmp_path / "any.csv", "stopped")
    said = python_terms("sheets 'Nov', 'Dec' both fit; pass --sheet NAME, or choose another --run-dir")
    assert said == "sheets 'Nov', 'Dec' both fit; pass sheet=\"NAME\", or choose another run_dir"


RETRIES = _served("seed=7, line_items=6, max_products=5, quota=0") + textwrap.dedent("""
    sb, rm = box["sb"], box["sb"].control.retail_media
    rows = [f"{li},{sku},2.49" for li in rm.line_item_ids(rm.account_ids()[0]) for sku in rm.products(li)]
    open("bids.csv", "w").write("lineItemId,productId,bidOverride\\n" + "\\n".join(rows) + "\\n")
    sb.control.set_faults(error_rate=0.5, methods=("POST",))  # half the writes fail once or more: retried
    result = bulkops.sync.apply_bids("bids.csv", connection=bulkops.connect(sb.base_url, sb.client_id,
                                     sb.client_secret), run_dir="run", snapshot=False, add=True)
    print(result.summary["retries"], flush=True)
""")


def test_a_scripts_retries_print_nothing_on_its_stderr(tmp_path: Path) -> None:
    """bulkops counts retries in its results; stamina's log line per retry is not printed on a script's stderr
    (Python prints a warning of a logger with no handler), unless the script configures logging."""
    done = subprocess.run([sys.executable, "-c", RETRIES], cwd=tmp_path, env=cli_env(), capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) > 0 and "stamina" not in done.stderr and "retry" not in done.stderr.lower()
