"""The job verbs and `export`, built from the registry: each is a thin call of the Python API (`bulkops.api`)."""

from __future__ import annotations

import json
import re
import signal
import sys
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from bulkops import registry
from bulkops.cli import options as opt
from bulkops.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, ApiUnreachable, UsageError
from bulkops.platform import JobSpec, Option, Platform

if TYPE_CHECKING:
    from bulkops.cli.console import Output
    from bulkops.runner.protocol import RunResult

EXIT_HELP = ("Exit codes: 0 every row succeeded or was skipped, 1 some rows failed (see the errors file),"
             " 2 bad usage, unreadable input or an API that cannot be reached or logged into (nothing sent),"
             " 75 the API stopped answering (or answered only server errors) mid-run, 130 interrupted (Ctrl-C),"
             " 143 terminated (SIGTERM):"
             " finish those with `bulkops resume RUN_DIR`.")


def _file() -> click.Parameter:
    return opt.Arg("file", metavar="FILE", help="The rows: CSV (any delimiter or encoding), Parquet or XLSX.")


def pyarrow_without_pandas() -> None:
    """Spare a command the 0.35 s of importing pandas, which it never uses.

    pyarrow imports pandas, when it is installed, the first time it builds an array from a Python list, only to
    ask whether the list is a pandas object (its `_PandasAPIShim`). Asked once while pandas reads as absent, it
    keeps that answer; pandas itself stays importable (a platform plugin may use it), and pyarrow's own
    `to_pandas` still finds it. Only the command line does this: in a notebook, the user's pandas objects
    must keep being recognized as such.
    """
    if "pandas" in sys.modules:
        return
    import pyarrow as pa  # noqa: PLC0415 - every verb's run uses it

    absent = _Absent("pandas")
    sys.meta_path.insert(0, absent)
    try:
        pa.array([0])
    finally:
        sys.meta_path.remove(absent)


class _Absent:
    """An import finder for which one module is not installed."""

    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(self, name: str, *_: object) -> None:
        if name == self.name:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


def interruptible(go: Callable[[], Coroutine[Any, Any, Any]], out: Output, run_dir: Path | None = None) -> Any:
    """Run a coroutine; Ctrl-C (exit 130), SIGTERM (exit 143) or an unreachable API (exit 75) end it cleanly:
    the run's journal and reports are written, and the message says what is true of the run directory."""
    import asyncio  # noqa: PLC0415 - the verbs' imports load when a verb runs, not for --help

    pyarrow_without_pandas()
    terminated = False

    async def main() -> Any:
        task, loop = asyncio.current_task(), asyncio.get_running_loop()

        def on_term(*_: object) -> None:
            """As asyncio.run's own Ctrl-C handler: a Python signal handler, run between two bytecodes even in
            long synchronous work (which `checks.stage_input` then stops); a loop's handler would wait for it."""
            nonlocal terminated
            terminated = True
            if task is not None:
                task.cancel()
            loop.call_soon_threadsafe(lambda: None)  # wake the loop, should it be waiting

        previous = signal.signal(signal.SIGTERM, on_term)
        try:
            return await go()
        finally:
            signal.signal(signal.SIGTERM, previous)

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        _say_stopped(out, "interrupted", "Interrupted", EXIT_INTERRUPTED, run_dir)
    except asyncio.CancelledError:
        if not terminated:
            raise
        _say_stopped(out, "terminated (SIGTERM)", "Terminated", EXIT_TERMINATED, run_dir)
    except ApiUnreachable as exc:
        _say_stopped(out, str(exc), "ApiUnreachable", exc.exit_code, run_dir)


def _say_stopped(out: Output, why: str, kind: str, code: int, run_dir: Path | None) -> NoReturn:
    """The stop, said on stderr; with --json, an object on stdout too (a script reading it must not get nothing):
    the error, its exit code, the run directory and the run's summary.json so far."""
    message = _stopped(why, run_dir)
    out.error(message)
    if out.as_json:
        summary = run_dir / "summary.json" if run_dir is not None else None
        try:
            so_far = json.loads(summary.read_text(encoding="utf-8")) if summary is not None else None
        except (OSError, ValueError):
            so_far = None
        print(json.dumps({"error": message, "kind": kind, "exit_code": code,
                          "run_dir": None if run_dir is None else str(run_dir), "summary": so_far}), flush=True)
    raise click.exceptions.Exit(code)


def _stopped(why: str, run_dir: Path | None) -> str:
    if run_dir is None:
        return f"{why}; nothing was written"
    if not (run_dir / "journal.sqlite").is_file():
        return f"{why} before the run began; nothing was sent"
    reports = f" (reports so far: {run_dir})" if (run_dir / "summary.json").is_file() else ""
    return (f"{why}; nothing is lost: `bulkops resume {run_dir}` finishes the run{reports} (a secret given as a flag"
            " is given again: a run directory never keeps one)")


def _count(n: int, one: str, many: str | None = None) -> str:
    """`1 request`, `2 requests`."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def show_result(verb: str, result: RunResult, out: Output, *, label: str | None = None,
                command: str = "bulkops") -> None:
    """The end of a run on screen: counts, figures, where the reports are, what to do next (as `command` runs it:
    the demo's hints name its own sandbox's data)."""
    s = result.summary
    counts = ", ".join(f"{n} {k}" for k, n in result.outcomes.items() if n or k not in ("unknown", "pending"))
    lines = [f"{label or verb}: {_count(result.rows, 'row')} → {counts}  (target: {s.get('target')})",
             f"  {_count(s['requests'], 'request')}, {_count(s['retries'], 'retry', 'retries')},"
             f" {s['rate_limited']}×429, {s['wall_time_s']:.1f}s ({s['achieved_rate_per_min']:.0f}/min)"]
    if s.get("dry_run"):
        estimate = s.get("estimated_run_s")
        if estimate is None:
            at = "at a rate the API has not announced"
        else:
            takes = "under a second" if estimate < 1 else f"{estimate:.0f}s at most"
            at = f"the real run takes {takes} at {s['quota_per_min']:.0f} requests/min (its reads included; less" \
                " where the API's window has calls to spare)"
        lines.append(f"  dry run: {_count(s['planned_requests'], 'write request')} planned; {at}; nothing was sent")
        lines += _planned_lines(result)
    lines += _why_failed(s.get("top_errors") or [])
    conflicts = int(s.get("changed_since_export") or 0)
    if conflicts:
        lines.append(f"  {conflicts} edited row(s) not sent: someone changed them on the API since the export (see"
                     " errorCode changed-since-export in the results); export again, or pass --overwrite-changed to"
                     " write them anyway")
    open_rows = sum(result.outcomes.get(k, 0) for k in ("unknown", "pending"))
    if open_rows and not s.get("dry_run"):
        lines.append(f"  {open_rows} row(s) with no known outcome yet: `bulkops resume {result.run_dir}` reads them"
                     " back and finishes them (exit 130 until then)")
    for name, path in result.files.as_dict().items():
        hint = {"errors": f"  ← fix these rows, then `{command} {verb} {path}`",
                "undo": f"  ← `{command} {verb} {path}` restores the previous values"}.get(name, "")
        lines.append(f"  {name}: {path}{hint}")
    out.summary(result.summary, "\n".join(lines))
    failed = result.outcomes.get("failed", 0)
    if out.quiet and not out.as_json and failed and result.files.errors is not None:  # -q still says it failed
        out.error(f"{label or verb}: {failed} of {result.rows} rows failed; see {result.files.errors}")


_AT_ROW = re.compile(r"^.*?, (row \d+)")


def _why_failed(top: list[dict[str, Any]]) -> list[str]:
    """The most frequent reasons rows failed, with a count and the first row's message."""
    if not top:
        return []
    lines = ["  why rows failed:"]
    for e in top:
        example = str(e.get("example") or "")
        at = _AT_ROW.search(example)  # a check's message names file and row: keep "row N, column ...: why"
        example = example[at.start(1):] if at else f"row {e['example_row']}: {example}"
        example = example if len(example) <= 140 else example[:139] + "…"
        lines.append(f"    {e['count']}× {e['code']}, e.g. {example}")
    return lines


def _planned_lines(result: RunResult, limit: int = 15) -> list[str]:
    path = result.files.extra.get("requests")
    if path is None or not path.exists():
        return []
    from bulkops.io.columns import ROW_NUMBER  # noqa: PLC0415 - only a dry run shows its plan
    from bulkops.io.readers import open_table  # noqa: PLC0415

    rows = [r for batch in open_table(path).iter_batches() for r in batch.to_pylist()]
    shown = []
    for r in rows[:limit]:
        where = " ".join(f"{k} {v}" for k, v in r.items() if k not in ("action", "operations", "requests",
                                                                          ROW_NUMBER))
        prefix = f"{where}: " if where else ""
        shown.append(f"    {prefix}{r['action']} {r['operations']} in {r['requests']} request(s)")
    if len(rows) > limit:
        shown.append(f"    … and {len(rows) - limit} more (all in {path})")
    return ["  planned requests:", *shown]


def write_verb(platform: Platform, spec: JobSpec) -> click.Command:
    """The command of one platform's job verb (`bulkops bids ...`)."""

    def command(file: Path, **values: Any) -> None:
        from bulkops import api  # noqa: PLC0415 - the engine loads when a verb runs, not for --help
        from bulkops.cli.console import Output  # noqa: PLC0415

        out = Output(quiet=values.pop("quiet"), as_json=values.pop("as_json"))
        flags = opt.connection_flags(values)
        job_options = opt.option_values(spec.options, values)
        run_dir = values["run_dir"] or api.default_run_dir(spec.verb)
        settings = api.RunSettings(run_dir, values["dry_run"], not values.get("no_snapshot", False), values["sheet"],
                                   values["report_format"], values["overwrite_changed"],
                                   header_row=values["header_row"], skip_hidden=values["skip_hidden"])
        reads = "" if values.get("no_snapshot") else ", then reading current values"
        out.say(f"{spec.verb}: checking every row of {file}{reads} ...")
        try:
            result = interruptible(
                lambda: api.run(spec.verb, file, connection=flags, job_options=job_options, options=settings,
                                listener=out.progress, notice=out.notice), out, Path(run_dir))
        except BaseException:
            if not values["run_dir"]:  # made above for this run: not left empty by a refusal
                api.drop_if_empty(Path(run_dir))
            raise
        show_result(spec.verb, result, out)
        raise click.exceptions.Exit(result.exit_code)

    params = [_file(), *opt.connection_params([platform]), *opt.run_params(spec.snapshot_optional),
              *opt.own_params(spec.options, platform.title), *opt.output_params()]
    doc = "\n\n".join(" ".join(p.split()) for p in (spec.doc + "\n\n" + EXIT_HELP).split("\n\n"))
    return opt.command(spec.verb, command, params, doc, short_help=spec.summary)


def export_command() -> click.Command:
    """`bulkops export`: every platform that exports, one flag each (Retail Media unless one is given)."""

    platforms = [p for p in registry.platforms() if p.export is not None]
    default = next(p for p in platforms if p.flag is None)

    def command(out_file: Path, **values: Any) -> None:
        from bulkops import api  # noqa: PLC0415 - the engine loads when a verb runs, not for --help
        from bulkops.cli.console import Output  # noqa: PLC0415

        out = Output(quiet=values.pop("quiet"), as_json=values.pop("as_json"))
        chosen = [p for p in platforms if p.flag and values.pop(p.flag.replace("-", "_"), False)]
        if len(chosen) > 1:
            raise UsageError("choose one platform: " + " or ".join(f"--{p.flag}" for p in chosen))
        platform = chosen[0] if chosen else default
        flags = opt.connection_flags(values)
        spec = platform.export
        assert spec is not None
        given = {k for k, v in values.items() if v not in (None, False, [], ())}
        foreign = sorted(given - {o.name for o in spec.options})
        if foreign:
            raise UsageError(f"{', '.join('--' + f.replace('_', '-') for f in foreign)} is not an option of the"
                             f" {platform.title} export")
        options = opt.option_values(spec.options, values)
        result = interruptible(lambda: api.export(platform.name, out_file, options, connection=flags,
                                                  listener=out.progress, notice=out.notice), out)
        rows = ", ".join(f"{n} {k}" for k, n in result.rows.items()) or "no rows"
        out.summary(result.as_dict(), f"export ({platform.title}, {result.target}): {rows} → {result.path}"
                                      f" ({result.requests} requests, {result.wall_time_s:.1f}s)")
        raise click.exceptions.Exit(EXIT_OK)

    params: list[click.Parameter] = [opt.param("out_file", Path, opt.REQUIRED, opt.flag(
        "--out", metavar="FILE", panel="Export", help="Output file: .csv, .parquet or .xlsx (replaced if it exists;"
        " never one in a run directory)."))]
    params += [opt.param(p.flag.replace("-", "_"), bool, False, opt.flag(
        f"--{p.flag}", metavar="", panel="Export", help=f"Export {p.title} (default: {default.title}).",
    )) for p in platforms if p.flag]
    params += opt.own_params(_merged_options(platforms), "What to export")
    params += [*opt.connection_params(platforms), *opt.output_params()]
    docs = [f"{p.title}{'' if p.flag is None else f' (--{p.flag})'}: {' '.join(p.export.doc.split())}"
            for p in platforms if p.export is not None]
    return opt.command("export", command, params, "\n\n".join([
        "Export an inventory to one CSV, Parquet or XLSX file, streamed with flat memory; the file feeds back into"
        " the jobs unchanged.", *docs]))


def _merged_options(platforms: list[Platform]) -> tuple[Option, ...]:
    """Every platform's export options, once each; an option two platforms share says what it means for each."""
    merged: dict[str, Option] = {}
    for p in platforms:
        assert p.export is not None
        for o in p.export.options:
            text = f"{p.title}{'' if p.flag is None else f' (--{p.flag})'}: {o.help}"
            if o.name in merged:
                merged[o.name] = replace(merged[o.name], help=f"{merged[o.name].help} {text}")
            else:
                merged[o.name] = replace(o, help=text)
    return tuple(merged.values())

