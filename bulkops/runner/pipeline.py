"""One run of a write job: check → preflight → journal → read and plan → send → settle → report; and resume.

The journal holds every operation before the first request goes out, marks each one as it leaves, and
records its outcome as it settles, so a run stopped at any point (Ctrl-C, SIGTERM, kill -9, a dead network)
resumes exactly: a run stopped while reading plans again (nothing was sent); operations never sent are sent;
operations sent with no answer seen are first read back (the job's `read_back`), and only those not applied
are sent again. Sending those is safe because every executor's requests are (see `protocol.Executor`).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio

from bulkops.engine.client import ApiClient
from bulkops.errors import ApiUnreachable, InputError, JournalError, RequestError
from bulkops.io.columns import Header, match_header
from bulkops.io.readers import Table, open_copy, open_table
from bulkops.io.writers import listed, stderr_notice
from bulkops.report.files import ReportFiles, describe_values
from bulkops.runner.checks import Layout, planned_rows, stage_input, staged_columns
from bulkops.runner.events import Progress, ProgressListener, ignore
from bulkops.runner.journal import JOURNAL_NAME, LOCK_NAME, Journal, Planned, encode, file_fingerprint
from bulkops.runner.protocol import PlanOptions, RunOptions, RunResult, WriteJob
from bulkops.runner.reports import RunInfo, Timing, write_reports
from bulkops.runner.summary import spent
from bulkops.types import Chunk, Connection, Operation, Outcome, OutcomeStatus, Plan, RowNote

ClientFactory = Callable[[Connection], ApiClient]
Preflight = Callable[[ApiClient], Awaitable[None]]
SETTLE_ROUNDS = 3  # read back / send again at most this often in one process
TICK_S = 0.5  # progress while reading
PLAN_BATCH = 20_000  # rows planned (and their current values read) at a time: memory stays flat


async def run_write_job(job: WriteJob, path: Path, connection: Connection, options: RunOptions,  # noqa: PLR0913
                        client: ClientFactory, preflight: Preflight | None = None) -> RunResult:
    """Run a write job end to end; the reports are written even when the run is interrupted."""
    table = open_table(path, sheet=options.sheet, header_row=options.header_row, schema=job.schema,
                       required=job.required())
    header = match_header(str(path), table.columns, job.schema, required=job.required())  # a bad file: at once
    if table.note:
        options.notice(f"{path}: {table.note}")
    meta = {"platform": job.platform, "job": job.name, "job_options": job.options(),
            "base_url": connection.base_url, "target": connection.where, "client_id": connection.client_id,
            "api_version": connection.api_version, "rate": connection.rate, "concurrency": connection.concurrency,
            "dry_run": options.dry_run,
            "snapshot": options.snapshot, "overwrite_changed": options.overwrite_changed,
            "sheet": table.sheet,
            "header_row": table.header_row if table.format == "xlsx" else None,  # resume reads the input the same way
            "skip_hidden": options.skip_hidden,
            "report_format": report_format(table, options.report_format),
            "header": dict(header.mapping), "phase": "checking", **options.meta}
    async with client(connection) as api:
        if preflight is not None:
            await preflight(api)
        checked = getattr(job, "preflight", None)  # the job's own options against the API (an account's id ...)
        if checked is not None:
            await checked(api)
        journal = start(options.run_dir, meta, path)
        try:
            return await _run(job, journal, api, options)
        except InputError as exc:  # the file is unusable (an unclosed quote ...), found while checking its rows
            if journal.meta().get("phase") != "checking":
                raise
            journal.close()
            _discard(options.run_dir)  # nothing read or sent: the directory takes the run again once it is fixed
            raise InputError(str(path), exc.message) from None  # the user's file, not the run's copy of it
        finally:
            journal.close()


def _discard(run_dir: Path) -> None:
    """The files a run that never got past checking its input made, removed: the directory is as it was."""
    for made in run_dir.iterdir():
        if made.name.startswith((JOURNAL_NAME, "input.", LOCK_NAME)) or made.name == "lock.pid":
            made.unlink(missing_ok=True)


async def resume_job(job: WriteJob, journal: Journal, connection: Connection, client: ClientFactory,  # noqa: PLR0913
                     listener: ProgressListener = ignore, notice: Callable[[str], None] = stderr_notice) -> RunResult:
    """Finish an interrupted run where it stopped: checking, planning (the reads not finished are done again),
    reading back what may have been applied, sending what is left; then rewrite its reports. A dry run stopped
    before its plan was whole is planned to the end (and nothing is sent)."""
    meta = journal.meta()
    refuse_a_dry_run(journal.run_dir, meta)
    options = RunOptions(journal.run_dir, dry_run=bool(meta.get("dry_run")), snapshot=meta.get("snapshot", True),
                         sheet=meta.get("sheet"),
                         header_row=meta.get("header_row"), skip_hidden=meta.get("skip_hidden", False),
                         overwrite_changed=meta.get("overwrite_changed", False),
                         report_format=meta.get("report_format"), listener=listener, notice=notice)
    async with client(connection) as api:
        return await _run(job, journal, api, options)


async def _run(job: WriteJob, journal: Journal, api: ApiClient, options: RunOptions) -> RunResult:
    meta = journal.meta()
    table = open_copy(journal.run_dir / meta["input_copy"], meta)
    header = Header(meta["header"], ())
    timing = Timing(time.monotonic(), earlier=dict(meta.get("spent") or {}))
    try:
        if meta.get("phase") == "checking":
            source = meta.get("input_name") or meta["input"]
            total = await stage_input(job, table, header, journal, source, _checking(options.listener, timing),
                                      skip_hidden=bool(meta.get("skip_hidden")))
            journal.set_meta({"rows_total": total, "phase": "planning"})
            _say_hidden(journal.meta(), source, options)
        rows_total = int(journal.meta()["rows_total"])
        if journal.meta().get("phase") == "planning":
            where = _Where(str(journal.meta().get("input_name") or journal.meta().get("input") or ""), header)
            await _plan(job, journal, api, options, Layout.of(job, header), rows_total, where)
        timing.reads, timing.planned = dict(api.counters), True
        timing.read_s = time.monotonic() - timing.started
        timing.quota = api.quota
        if not options.dry_run:
            journal.set_meta({"phase": "sending"})
            timing.info = await _send_and_settle(job, journal, api, rows_total, options.listener, options.notice)
            journal.set_meta({"phase": "done"})
    except BaseException as exc:
        timing.counters = dict(api.counters)
        timing.stopped = "API unreachable" if isinstance(exc, ApiUnreachable) else "interrupted"
        _flush(journal, api, timing, options.dry_run)
        if journal.meta().get("phase") not in ("checking", "planning"):
            write_reports(job, journal, table, timing, options, interrupted=True)
        raise
    timing.counters = dict(api.counters)
    _flush(journal, api, timing, options.dry_run)
    result = write_reports(job, journal, table, timing, options)
    if not options.dry_run:
        journal.set_meta({"reported": True})  # finished, its reports whole: a resume has nothing to add
    c = api.counters  # the last snapshot: the whole run, reports written
    options.listener(Progress("done", rows_total, rows_total, c["requests"], c["retries"], c["rate_limited"],
                              timing.elapsed_s))
    return result


def _say_hidden(meta: Mapping[str, Any], source: str, options: RunOptions) -> None:
    """A workbook's hidden (filtered-out) rows are said: applied like the others, unless left out on purpose."""
    hidden = int(meta.get("hidden_rows") or 0)
    if not hidden:
        return
    rows = f"{hidden} row{'s' if hidden > 1 else ''}"
    verb = "is" if hidden == 1 else "are"
    what = "left out, as asked" if meta.get("skip_hidden") else \
        "applied like the others (the data is the data); --skip-hidden (skip_hidden=True) leaves them out"
    options.notice(f"{source}: {rows} of sheet {meta.get('sheet')!r} {verb} hidden or filtered out: {what}")


async def _plan(job: WriteJob, journal: Journal, api: ApiClient, options: RunOptions,  # noqa: PLR0913
                layout: Layout, rows_total: int, where: _Where) -> None:
    """Plan the staged rows batch by batch (whole groups at a time), each batch journaled as it is planned. A batch
    whose reads met an API taken for unreachable, or one that never reached it despite retries, is not journaled:
    the run stops (`ApiUnreachable`, exit 75) and resume plans it again, rather than fail its rows as if their line
    items could not be read."""
    plan_options = PlanOptions(options.snapshot, options.overwrite_changed)
    done = rows_total - journal.staged_count()
    async with _ticking(api, options.listener, "reading current values", rows_total, lambda: done) as tick:
        columnar = getattr(job, "plan_columns", None)
        memo = _Memo()
        stopped = ""
        for batch, through in journal.staged(PLAN_BATCH):
            plan = None if columnar is None else columnar(staged_columns(batch, layout), plan_options)
            not_reached = api.not_reached
            if plan is None:
                try:
                    plan = await job.plan(api, planned_rows(batch, layout, job.schema), plan_options)
                except (RequestError, BaseExceptionGroup) as exc:  # a read that fails the whole batch (a listing)
                    if not _for_want_of_api(exc, api, not_reached):
                        raise
            if api.unreachable is not None or api.not_reached > not_reached or plan is None:
                stopped = api.unreachable or "a read could not reach it, all its retries spent"
                break  # its reads failed for want of an API, not for its rows: planned again on resume, not failed
            journal.record_plan(map(where.named, plan.notes), _planned(job, plan, memo, journal), through)
            for warning in plan.warnings:
                options.notice(warning)
            done += len(batch)
            tick()
            await anyio.sleep(0)  # a batch planned without a read: let the ticker and a Ctrl-C in
    if stopped:
        raise ApiUnreachable(f"API unreachable: {stopped}", sent=False)
    journal.plan_whole()


def _for_want_of_api(exc: BaseException, api: ApiClient, not_reached: int) -> bool:
    """An error out of a batch's planning that is only the API gone: requests that never reached it (or it taken
    for unreachable), nothing else in it."""
    if api.unreachable is None and api.not_reached == not_reached:
        return False
    if isinstance(exc, BaseExceptionGroup):
        return exc.subgroup(lambda e: not isinstance(e, RequestError | BaseExceptionGroup)) is None
    return isinstance(exc, RequestError)


class _Where:
    """A failure found while planning (against the API's data) names the file, the row and the column, as a bad
    cell's does: `input.csv, row 12, column 'sku': SKU ... is not in the retailer's catalog`."""

    def __init__(self, source: str, header: Header) -> None:
        self.source, self.header = source, header.mapping

    def named(self, note: RowNote) -> RowNote:
        if note.status is not OutcomeStatus.FAILED or not self.source or note.message.startswith(self.source):
            return note
        column = f", column {self.header.get(note.column, note.column)!r}" if note.column else ""
        return replace(note, message=f"{self.source}, row {note.row_number}{column}: {note.message}")


def _shown(job: WriteJob, op: Operation) -> tuple[str, str]:
    before, after = job.view(op)
    return describe_values(before), describe_values(after)


class _Memo:
    """Encoding and wording of small mappings (an operation's fields, before, view), done once per distinct one:
    both are pure, and a million operations hold a few thousand distinct ones."""

    LIMIT = 50_000

    def __init__(self) -> None:
        self.texts: dict[tuple[Any, ...], tuple[str | None, str]] = {}

    def text(self, values: Mapping[str, Any] | None) -> tuple[str | None, str]:
        """(JSON as the journal keeps it, the words the results show)."""
        if values is None:
            return None, ""
        try:
            key = (*values.items(), *map(type, values.values()))  # 1, 1.0, True and Decimal(1) apart
            found = self.texts.get(key)
        except TypeError:  # a nested value: not kept
            return encode(values), describe_values(values)
        if found is None:
            if len(self.texts) >= self.LIMIT:
                self.texts.clear()
            found = self.texts[key] = (encode(values), describe_values(values))
        return found


def _planned(job: WriteJob, plan: Plan, memo: _Memo, journal: Journal) -> Planned:
    """A batch's operations as the journal takes them: column by column, each with its shape (`Journal.shapes`:
    its fields and before, and how the results show them, `job.view`). `Plan.alike` is shaped once per shared
    operation and taken per row by pyarrow; the others one by one."""
    import pyarrow as pa  # noqa: PLC0415

    shapes = []
    for op in plan.operations:
        before, after = job.view(op)
        shapes.append((memo.text(op.fields)[0], memo.text(op.before)[0], memo.text(before)[1], memo.text(after)[1]))
    parts = [Planned.of([(op.row_number, op.kind, op.parent_id, op.entity_id, shape)
                         for op, shape in zip(plan.operations, journal.shapes(shapes), strict=True)])]
    alike = plan.alike
    if alike is not None and len(alike):
        ids = journal.shapes([(encode(op.fields), encode(op.before), *_shown(job, op)) for op in alike.shared])
        which = pa.array(alike.which)
        parts.append(Planned(_arrow(alike.numbers, pa.int64()),
                             pa.array([str(op.kind) for op in alike.shared], pa.string()).take(which),
                             _arrow(alike.parents, pa.string()), _arrow(alike.entities, pa.string()),
                             pa.array(ids, pa.int64()).take(which)))
    if len(parts) == 1:
        return parts[0]
    return Planned(*(pa.concat_arrays([getattr(p, c) for p in parts])
                     for c in ("numbers", "kinds", "parents", "entities", "shapes")))


def _arrow(column: Any, kind: Any) -> Any:
    """A column as one pyarrow array of this type."""
    import pyarrow as pa  # noqa: PLC0415

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not isinstance(column, pa.Array):
        return pa.array(listed(column), kind)
    return column if column.type == kind else column.cast(kind)


def _checking(listener: ProgressListener, timing: Timing) -> Callable[[int, str], None]:
    def tick(rows: int, phase: str = "checking rows") -> None:  # the rows are counted once all are checked
        total = None if phase == "checking rows" else rows
        listener(Progress(phase, total, rows, 0, 0, 0, time.monotonic() - timing.started))
    return tick


async def _send_and_settle(job: WriteJob, journal: Journal, api: ApiClient, rows_total: int,  # noqa: PLR0913
                           listener: ProgressListener, notice: Callable[[str], None]) -> RunInfo:
    """Send what is not sent; read back what was sent with no answer; send again what was not applied."""
    started = time.monotonic()
    journal.ready_to_send()
    for _ in range(SETTLE_ROUNDS):
        await _settle_unknown(job, journal, api, notice)
        unsent, rows_unsent = journal.pending_count()
        if not unsent:
            break
        api.timeline.phase = "sending"
        reporter = _Reporter(journal, api, rows_total, listener, rows_unsent)
        await job.executor(api).execute(_Unsent(journal), reporter)
        if not any(True for _ in journal.unknown()):
            break
    return RunInfo(journal.counts(), time.monotonic() - started, dict(api.counters))


async def _settle_unknown(job: WriteJob, journal: Journal, api: ApiClient, notice: Callable[[str], None]) -> None:
    """Operations sent with no answer seen: read back; applied ones succeeded, the others are sent again.

    An operation that is not idempotent (a create: `WriteJob.not_idempotent`) and is not there yet may still be
    in flight, sent by a process that stopped a moment ago: it is read back again once any request sent then
    has landed or timed out (`ApiClient.in_flight_s`), and only then sent again if still not there."""
    unknown = list(journal.unknown())
    if not unknown:
        return
    api.timeline.phase = "reading back"
    applied = await job.read_back(api, unknown)
    risky = [i for i, (op, ok) in enumerate(zip(unknown, applied, strict=True))
             if ok is False and op.kind in getattr(job, "not_idempotent", ())]
    wait = (journal.last_sent_at() or 0.0) + api.in_flight_s - time.time()
    if risky and wait > 0:
        notice(f"{len(risky)} operation(s) that create something were sent {api.in_flight_s - wait:.0f}s ago with no"
               f" answer and are not there yet: they may still be in flight; reading them back again in"
               f" {wait:.0f}s before sending anything again")
        await anyio.sleep(wait)
        again = await job.read_back(api, [unknown[i] for i in risky])
        applied = list(applied)
        for i, ok in zip(risky, again, strict=True):
            applied[i] = ok
    done = [(op, Outcome(op.row_number, OutcomeStatus.SUCCEEDED, "applied (the answer was lost; confirmed by"
                         " reading it back)", attempts=0, result=ok if isinstance(ok, Mapping) else None))
            for op, ok in zip(unknown, applied, strict=True) if ok is True or isinstance(ok, Mapping)]
    journal.record(done)
    journal.mark_unsent(op for op, ok in zip(unknown, applied, strict=True) if ok is False)


class _Unsent:
    """The operations not sent yet, streamed from the journal anew on each pass."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def __iter__(self) -> Iterator[Operation]:
        return self.journal.pending()

    def of_kinds(self, kinds: Sequence[str]) -> Iterator[Operation]:
        return self.journal.pending(kinds)


class _Reporter:
    """The pool's reporter: journal first, then progress."""

    def __init__(self, journal: Journal, api: ApiClient, rows_total: int, listener: ProgressListener,
                 rows_unsent: int) -> None:
        self.journal, self.api, self.listener = journal, api, listener
        self.rows_total = rows_total
        self.done = rows_total - rows_unsent
        self.started = time.monotonic()
        self.base = dict(api.counters)
        self.seen: set[int] = set()

    def sent(self, operations: Sequence[Operation]) -> None:
        self.journal.mark_sent(operations)

    def unsent(self, operations: Sequence[Operation]) -> None:
        self.journal.mark_unsent(operations)

    def settled(self, chunk: Chunk, results: list[tuple[Operation, Outcome]], seconds: float) -> None:
        self.journal.settle(results, (chunk.parent_id, chunk.kind, len(chunk.operations), seconds))
        fresh = {op.row_number for op, out in results if out.status is not OutcomeStatus.PENDING} - self.seen
        self.seen |= fresh
        self.done += len(fresh)
        note = f"API unreachable: {self.api.unreachable}" if self.api.unreachable else None
        self.listener(self.progress("sending", note))

    def progress(self, phase: str, note: str | None = None) -> Progress:
        c = self.api.counters
        return Progress(phase, self.rows_total, self.done, c["requests"] - self.base.get("requests", 0),
                        c["retries"] - self.base.get("retries", 0),
                        c["rate_limited"] - self.base.get("rate_limited", 0), time.monotonic() - self.started,
                        note=note)


@asynccontextmanager
async def _ticking(api: ApiClient, listener: ProgressListener, phase: str, rows_total: int,
                   rows_done: Callable[[], int]) -> AsyncIterator[Callable[[], None]]:
    """Progress every half second while the reads before sending run (rows planned so far, requests, rate, ETA),
    and whenever the caller ticks (a batch planned with no read between: the half-second timer could not run)."""
    started = time.monotonic()
    api.timeline.phase = "reading"

    def tick(done: bool = False) -> None:
        c = api.counters
        listener(Progress(phase, rows_total, rows_total if done else rows_done(), c["requests"], c["retries"],
                          c["rate_limited"], time.monotonic() - started))

    async with anyio.create_task_group() as tg:
        async def ticker() -> None:
            while True:
                await anyio.sleep(TICK_S)
                tick()

        tg.start_soon(ticker)
        try:
            yield tick
        finally:
            tg.cancel_scope.cancel()
    tick(done=True)


def _flush(journal: Journal, api: ApiClient, timing: Timing, dry_run: bool) -> None:
    """This process's requests per second, and what the run has cost so far (a resume adds its own to it)."""
    journal.add_timeline(api.timeline.drain())
    journal.set_meta({"spent": spent(timing, dry_run)})


def start(run_dir: Path, meta: dict[str, Any], input_path: Path) -> Journal:
    """Open a new run's journal and keep a copy of its input: the reports are built from that copy, so sorting
    or editing the original during the run cannot mix rows up."""
    journal = Journal.create(run_dir, {**meta, "input": str(input_path.resolve()), "input_name": str(input_path),
                                       "input_sha256": file_fingerprint(input_path)})
    try:
        _copy_input(journal, input_path)
    except BaseException:  # stopped while copying: resume makes the copy (see `reopen`)
        journal.close()
        raise
    return journal


def _copy_input(journal: Journal, input_path: Path) -> None:
    copy = f"input{input_path.suffix.lower()}"
    shutil.copyfile(input_path, journal.run_dir / copy)
    journal.set_meta({"input_copy": copy, "input_copy_sha256": file_fingerprint(journal.run_dir / copy)})


def reopen(run_dir: Path) -> Journal:
    """Open an interrupted run for resume (locked); refuse if its input changed since."""
    journal = Journal.open(run_dir, lock=True)
    try:
        meta = journal.meta()
        path = Path(meta["input"])
        if not path.is_file():
            raise JournalError(str(run_dir), f"its input {path} is gone; resume needs the same file")
        if file_fingerprint(path) != meta["input_sha256"]:
            raise JournalError(str(run_dir), f"its input {path} changed since the run started; resume refused")
        if "input_copy" not in meta:  # stopped while its copy was made: nothing was read yet, the input is the same
            _copy_input(journal, path)
            meta = journal.meta()
        copy = run_dir / str(meta.get("input_copy"))
        if not copy.is_file() or file_fingerprint(copy) != meta.get("input_copy_sha256"):
            raise JournalError(str(run_dir), f"the run's copy of its input ({copy.name}) is missing or changed")
    except BaseException:
        journal.close()
        raise
    return journal


def refuse_a_dry_run(run_dir: Path, meta: Mapping[str, Any]) -> None:
    """A dry run whose plan is whole has nothing to resume (one stopped before its plan was whole is planned to the
    end): refused before any connection is made or any credential asked for."""
    if meta.get("dry_run") and meta.get("phase") not in ("checking", "planning"):
        raise JournalError(str(run_dir), "this was a dry run: nothing to resume; run the job itself")


def finished(run_dir: Path, check: Callable[[dict[str, Any]], None] | None = None) -> RunResult | None:
    """A run that finished, its reports whole (every operation has its outcome): its result as its summary.json
    says; None when there is something to resume. Refused, as resume is, while another process holds the run,
    and by `check` (given the run's meta), which raises when the caller asks for what the run cannot be."""
    with Journal.open(run_dir, lock=True) as journal:
        meta = journal.meta()
        if not (meta.get("reported") and meta.get("phase") == "done" and not unfinished(journal)):
            return None
        if check is not None:
            check(meta)
    path = run_dir / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # the reports are rewritten from the journal
    # summary.json names its files from where the run was started; they are in the run directory, named from
    # where it is resumed now (`resume elsewhere/run` from another directory must not say "see run/errors.csv")
    paths = {k: run_dir / Path(v).name for k, v in (summary.get("files") or {}).items()}
    summary.update(run_dir=str(run_dir), files={k: str(v) for k, v in paths.items()})
    reports = ReportFiles(paths.pop("results", None), paths.pop("errors", None), paths.pop("undo", None),
                          paths.pop("summary", None), paths)
    return RunResult(run_dir, int(summary["rows"]), dict(summary["outcomes"]), summary, reports)


def unfinished(journal: Journal) -> int:
    """Operations whose outcome is not known (0 means the run is complete)."""
    counts = journal.counts()
    return counts.get("pending", 0) + counts.get(OutcomeStatus.UNKNOWN.value, 0)


def report_format(table: Table, asked: str | None) -> str:
    """The reports' format: asked, else the input's (XLSX input gives CSV, which every tool opens)."""
    if asked:
        return asked.lower().lstrip(".")
    return "csv" if table.format == "xlsx" else table.format
