"""The verbs as a person runs them: exit codes, --json, secrets kept out, the embedded sandbox by default."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from bulkops.sandbox import Sandbox
from tests.jobs.conftest import line_items, write_csv


def _cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("BULKOPS_")}
    return subprocess.run([sys.executable, "-m", "bulkops", *args], cwd=cwd, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=120)


async def test_bids_cli_exit_codes_json_and_no_secret(sandbox: Sandbox, tmp_path: Path) -> None:
    li = line_items(sandbox, "auction", "active")[0]
    skus = sorted(sandbox.control.retail_media.products(li))[:2]
    path = write_csv(tmp_path / "bids.csv", ["lineItemId", "productId", "bidOverride"],
                     [[li, skus[0], "1.33"], [li, skus[1], "oops"]])
    env = {"BULKOPS_BASE_URL": sandbox.base_url, "BULKOPS_CLIENT_ID": sandbox.client_id,
           "BULKOPS_CLIENT_SECRET": sandbox.client_secret}
    done = await asyncio.to_thread(_cli, "bids", str(path), "--json", "--run-dir", "run", cwd=tmp_path, env=env)
    assert done.returncode == 1, done.stderr
    summary = json.loads(done.stdout)
    assert summary["outcomes"] == {"succeeded": 1, "skipped": 0, "failed": 1, "unknown": 0, "pending": 0}
    assert sum(summary["outcomes"].values()) == summary["rows"] == 2
    assert (tmp_path / "run" / "errors.csv").is_file()
    everything = done.stdout + done.stderr + "".join(
        p.read_text(errors="ignore") for p in (tmp_path / "run").iterdir() if p.suffix in (".csv", ".json"))
    assert sandbox.client_secret not in everything

    assert summary["top_errors"] == [{"code": "not-a-number", "count": 1, "example_row": 3,
                                      "example": f"{path}, row 3, column 'bidOverride': bidOverride 'oops' is not a"
                                                 " number; write it like 1.25 or 1,25; a currency (€, $, EUR ...)"
                                                 " may stand before or after it, and thousands may be grouped as in"
                                                 " 1 234,50, 1.234,50 or 1,234.50"}]
    shown = await asyncio.to_thread(_cli, "bids", str(path), "--run-dir", "run2", cwd=tmp_path, env=env)
    assert "why rows failed:\n    1× not-a-number, e.g. row 3, column 'bidOverride': bidOverride 'oops'" in shown.stderr
    quiet = await asyncio.to_thread(_cli, "bids", str(path), "-q", "--run-dir", "run3", cwd=tmp_path, env=env)
    assert quiet.returncode == 1 and quiet.stdout == ""
    assert "error: bids: 1 of 2 rows failed; see run3/errors.csv" in quiet.stderr

    missing = await asyncio.to_thread(_cli, "bids", "nope.csv", cwd=tmp_path, env=env)
    assert missing.returncode == 2 and "nope.csv" in missing.stderr and "not found" in missing.stderr
    skus_only = write_csv(tmp_path / "skus.csv", ["sku"], [[skus[0]]])
    pause = await asyncio.to_thread(_cli, "pause", str(skus_only), cwd=tmp_path, env=env)
    assert pause.returncode == 2 and "a sheet of productId alone works with --account ID" in pause.stderr
    as_json = await asyncio.to_thread(_cli, "bids", "nope.csv", "--json", cwd=tmp_path, env=env)
    assert as_json.returncode == 2 and json.loads(as_json.stdout)["exit_code"] == 2
    assert "nope.csv" in json.loads(as_json.stdout)["error"]
    fixed = write_csv(tmp_path / "ok.csv", ["lineItemId", "productId", "bidOverride"], [[li, skus[1], "1.44"]])
    ok = await asyncio.to_thread(_cli, "bids", str(fixed), "--quiet", cwd=tmp_path, env=env)
    assert ok.returncode == 0 and ok.stdout == ""


def test_json_says_a_command_line_the_parser_refuses_on_stdout_too(tmp_path: Path) -> None:
    """A script reading stdout gets an object for exit 2, whatever refused the command (it got nothing before)."""
    for args, said in ((("bids", "x.csv", "--json", "--bogus"), "--bogus"),
                       (("bids", "--json"), "FILE"),
                       (("bids", "x.csv", "--json", "--concurrency", "abc"), "'--concurrency'"),
                       (("export", "--account", "4000", "--json"), "--out")):
        done = _cli(*args, cwd=tmp_path)
        answer = json.loads(done.stdout)
        assert done.returncode == 2 and answer["exit_code"] == 2 and said in answer["error"], args


def test_without_settings_the_embedded_sandbox_is_used_and_said_loudly(tmp_path: Path) -> None:
    done = _cli("export", "--account", "4000", "--out", "inv.csv", "--no-products", cwd=tmp_path,
                env={"BULKOPS_SANDBOX_DB": str(tmp_path / "sb.sqlite")})
    assert done.returncode == 0, done.stderr
    assert "EMBEDDED SANDBOX" in done.stderr and (tmp_path / "inv.csv").is_file()


def test_demo_runs_the_three_jobs(tmp_path: Path) -> None:
    done = _cli("demo", "--dir", "demo", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("inventory.csv", "bids/results.csv", "bids/errors.csv", "bids/undo.csv", "pause/results.csv",
                 "undo-bids/summary.json"):
        assert (tmp_path / "demo" / name).is_file(), name
    assert json.loads((tmp_path / "demo" / "undo-bids" / "summary.json").read_text())["outcomes"]["failed"] == 0
    # the demo's hint for its pause's undo, run as printed: it works on the demo's own data (the pause is undone)
    hint = next(line for line in done.stderr.splitlines() if "pause/undo.csv" in line and "restores" in line)
    env, _, args = hint.split("`")[1].partition(" bulkops ")
    name, _, value = env.partition("=")
    assert name == "BULKOPS_SANDBOX_DB" and Path(tmp_path / value).is_file(), hint
    undone = _cli(*args.split(), "--json", cwd=tmp_path, env={name: value})
    assert undone.returncode == 0, undone.stderr
    outcomes = json.loads(undone.stdout)["outcomes"]
    assert outcomes["succeeded"] > 0 and outcomes["skipped"] == 0, outcomes
    before = (tmp_path / "demo" / "inventory.csv").stat().st_mtime_ns
    again = _cli("demo", "--dir", "demo", cwd=tmp_path)  # over the first: refused before it exports anything
    assert again.returncode == 2 and "demo is not empty" in again.stderr and "Traceback" not in again.stderr
    assert (tmp_path / "demo" / "inventory.csv").stat().st_mtime_ns == before


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full to write to")
def test_output_that_cannot_be_written_is_said_in_one_line_with_its_own_exit_code(tmp_path: Path) -> None:
    """A full disk under stdout: one line on stderr and exit 74 (not a traceback and 1, "some rows failed")."""
    with open("/dev/full", "w", encoding="utf-8") as full:
        done = subprocess.run([sys.executable, "-m", "bulkops", "--help"], cwd=tmp_path, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60, check=False)
    assert done.returncode == 74 and done.stderr == "error: the output: No space left on device\n", done.stderr


async def test_a_refused_run_leaves_no_empty_run_directory(sandbox: Sandbox, tmp_path: Path) -> None:
    """Refused before its journal (a wrong secret, a file missing a column): runs/ holds runs only."""
    li = line_items(sandbox, "auction", "active")[0]
    sku = sorted(sandbox.control.retail_media.products(li))[0]
    good = write_csv(tmp_path / "bids.csv", ["lineItemId", "productId", "bidOverride"], [[li, sku, "1.41"]])
    bad = write_csv(tmp_path / "skus.csv", ["productId"], [[sku]])
    env = {"BULKOPS_BASE_URL": sandbox.base_url, "BULKOPS_CLIENT_ID": sandbox.client_id,
           "BULKOPS_CLIENT_SECRET": "not-the-secret"}
    for args in (["bids", str(good)], ["pause", str(bad)]):
        done = await asyncio.to_thread(_cli, *args, cwd=tmp_path, env=env)
        assert done.returncode == 2, done.stderr
    assert not (tmp_path / "runs").exists() or list((tmp_path / "runs").iterdir()) == []


def test_each_verbs_help_says_how_its_platform_is_paced(tmp_path: Path) -> None:
    """Trackier publishes no quota and is paced at 60/min; Criteo's verbs learn theirs from the API."""
    trackier = _cli("trackier-status", "--help", cwd=tmp_path).stdout
    assert "[default: 60/min (Trackier publishes no" in trackier
    assert "learned from the API's" in _cli("bids", "--help", cwd=tmp_path).stdout


def test_a_closed_stdout_or_stderr_keeps_the_commands_own_exit_code(tmp_path: Path) -> None:
    """`bulkops ... >&-` (a cron line, a service): the command's exit code still says what happened, with no
    traceback of the way out."""
    for args, code in ((["--help"], 0), (["nosuch"], 2), (["resume", "no-such-run"], 2)):
        for closed in ("1", "2"):
            done = subprocess.run(["sh", "-c", f'exec "$@" {closed}>&-', "sh", sys.executable, "-m", "bulkops", *args],
                                  cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
            assert done.returncode == code and "Traceback" not in done.stderr, (args, closed, done.stderr)
    quiet = subprocess.run(["sh", "-c", 'exec "$@" 2>&-', "sh", sys.executable, "-m", "bulkops", "resume", "gone",
                            "--json"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert json.loads(quiet.stdout)["exit_code"] == 2  # stderr's words did not land in the JSON a script reads


@pytest.mark.skipif(not hasattr(click.exceptions, "NoSuchCommand"), reason="click < 8.4 suggests no command")
def test_a_mistyped_verb_is_answered_with_the_nearest_one(tmp_path: Path) -> None:
    """Commands are built when asked for; a typo is still matched against every verb, of every platform."""
    for typo, meant in (("bid", "bids"), ("seller-bid", "seller-bids"), ("trackier-stat", "trackier-status"),
                        ("resum", "resume")):
        done = _cli(typo, "--json", cwd=tmp_path)
        assert done.returncode == 2 and f"Did you mean '{meant}'?" in done.stderr, (typo, done.stderr)
        assert json.loads(done.stdout)["error"] == f"No such command '{typo}'. Did you mean '{meant}'?"


async def test_resume_of_a_dry_run_is_refused_at_once(sandbox: Sandbox, tmp_path: Path) -> None:
    """Nothing to resume, said before anything else: not after "resuming ... N operation(s)" and a credential."""
    li = line_items(sandbox, "auction", "active")[0]
    skus = sorted(sandbox.control.retail_media.products(li))[:2]
    path = write_csv(tmp_path / "bids.csv", ["lineItemId", "productId", "bidOverride"], [[li, s, "1.41"] for s in skus])
    env = {"BULKOPS_BASE_URL": sandbox.base_url, "BULKOPS_CLIENT_ID": sandbox.client_id,
           "BULKOPS_CLIENT_SECRET": sandbox.client_secret}
    dry = await asyncio.to_thread(_cli, "bids", str(path), "--dry-run", "--run-dir", "dry", cwd=tmp_path, env=env)
    assert dry.returncode == 0, dry.stderr
    done = await asyncio.to_thread(_cli, "resume", "dry", cwd=tmp_path)  # no credential given: none is asked for
    assert done.returncode == 2 and "this was a dry run: nothing to resume" in done.stderr, done.stderr
    assert "resuming" not in done.stdout + done.stderr


def test_help_loads_no_engine_and_names_every_verb(tmp_path: Path) -> None:
    """`--help` is read before anything else: it must come at once, not after the HTTP and data libraries load."""
    code = ("import os, sys, runpy\nsys.argv = ['bulkops', *sys.argv[1:]]\nos._exit = sys.exit  # stay to look\n"
            "try:\n    runpy.run_module('bulkops', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "heavy = ('aiohttp', 'pandas', 'pyarrow', 'openpyxl', 'rich', 'bulkops.engine.client', 'bulkops.api',"
            " 'bulkops.runner.pipeline', 'bulkops.sandbox')\n"
            "print('LOADED', sorted(m for m in heavy if m in sys.modules))\n")
    for args in ([], ["bids"], ["seller-bids"], ["trackier-status"], ["export"], ["resume"]):
        done = subprocess.run([sys.executable, "-c", code, *args, "--help"], cwd=tmp_path, capture_output=True,
                              text=True, timeout=60, check=False)
        assert "LOADED []" in done.stdout, (args, done.stdout[-300:], done.stderr[-2000:])
        assert "Usage:" in done.stdout and "Traceback" not in done.stderr
    top = subprocess.run([sys.executable, "-m", "bulkops", "--help"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60, check=False).stdout
    assert all(verb in top for verb in ("bids", "pause", "line-items", "seller-bids", "budgets", "trackier-status",
                                        "export", "resume", "report", "sandbox"))


async def test_a_small_run_loads_neither_pandas_nor_a_second_of_anything_it_does_not_use(sandbox: Sandbox,
                                                                                          tmp_path: Path) -> None:
    """A 10-row sheet starts at once: pyarrow would import pandas (0.35 s) for its first array, only to ask if a
    list is a pandas object; rich draws only on a terminal; pydantic (typer's) is not needed to parse a command
    line; a Retail Media verb loads no other platform. The run still writes every report, and pandas still
    imports for whoever wants it."""
    li = line_items(sandbox, "auction", "active")[0]
    skus = sorted(sandbox.control.retail_media.products(li))[:3]
    path = write_csv(tmp_path / "bids.csv", ["lineItemId", "productId", "bidOverride"],
                     [[li, s, "1.21"] for s in skus])
    code = ("import os, sys, runpy\nsys.argv = ['bulkops', *sys.argv[1:]]\nos._exit = sys.exit  # stay to look\n"
            "try:\n    runpy.run_module('bulkops', run_name='__main__')\nexcept SystemExit as exc:\n    code = exc.code\n"
            "print('LOADED', *(m in sys.modules for m in ('pandas', 'rich', 'pydantic', 'bulkops.platforms.mpo',"
            " 'bulkops.platforms.trackier')), code)\n"
            "import pandas, pyarrow\nprint('FRAME', pyarrow.table({'a': [1]}).to_pandas().shape)\n")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("BULKOPS_")},
           "BULKOPS_BASE_URL": sandbox.base_url, "BULKOPS_CLIENT_ID": sandbox.client_id,
           "BULKOPS_CLIENT_SECRET": sandbox.client_secret}
    done = await asyncio.to_thread(subprocess.run, [sys.executable, "-c", code, "bids", str(path), "--run-dir", "run"],
                                   cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert "LOADED False False False False False 0" in done.stdout and "FRAME (1, 1)" in done.stdout, (done.stdout, done.stderr[-2000:])
    assert {p.name for p in (tmp_path / "run").iterdir()} >= {"results.csv", "summary.json", "report.html"}
    assert all(sandbox.control.retail_media.products(li)[s]["bidOverride"] == 1.21 for s in skus)


def test_progress_is_drawn_where_the_user_says_a_terminal_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bars on a terminal, plain lines in a file or a pipe; FORCE_COLOR (and rich's other settings) say otherwise."""
    from bulkops.cli.console import Output

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    assert not Output(stream=io.StringIO()).terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert Output(stream=io.StringIO()).terminal


def test_a_dry_run_against_an_api_of_unknown_quota_says_so_instead_of_crashing(tmp_path: Path) -> None:
    """No quota known (a platform that announces none and assumes none): no estimate, said in words."""
    from bulkops.cli.console import Output
    from bulkops.cli.jobs import show_result
    from bulkops.runner.protocol import RunResult

    summary = {"target": "x", "requests": 1, "retries": 0, "rate_limited": 0, "wall_time_s": 0.1,
               "achieved_rate_per_min": 0.0, "dry_run": True, "estimated_run_s": None, "quota_per_min": None,
               "planned_requests": 3}
    said = io.StringIO()
    show_result("bids", RunResult(tmp_path, 3, {"planned": 3}, summary), Output(stream=said))
    assert "3 write requests planned; at a rate the API has not announced" in said.getvalue()
