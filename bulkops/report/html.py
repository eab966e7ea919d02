"""report.html: one self-contained page per run — its numbers, a timeline chart, the slowest groups, the errors."""

from __future__ import annotations

import heapq
import json
import math
import os
import re
import sys
from collections.abc import Iterable, Mapping
from contextlib import closing, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from bulkops.errors import BulkopsError, JournalError
from bulkops.runner.journal import Journal, is_run_dir
from bulkops.types import OutcomeStatus

REPORT_NAME = "report.html"
EXAMPLES = 3  # example rows kept per error code
MAX_CODES = 50  # codes tracked at most: a server inventing one per row must not grow memory without bound
MAX_BINS = 240  # bars in the timeline at most
SLOWEST = 10  # groups in the slowest table
CELL_CHARS = 40  # a cell shown in an example is cut beyond this
OUTCOME_ORDER = ("succeeded", "skipped", "failed", "unknown", "pending", "planned")
_WHERE = re.compile(r"^.*?, row \d+(, column '[^']*')?: ")  # the location prefix of a validation message

ADVICE = {
    "missing-value": "Fill in the empty cell the column names; a blank id cannot be guessed.",
    "emptied": "A cell the export filled was emptied: write none to clear the field, or put back its value.",
    "invalid-id": "Ids are digits or the platform's id format: check for stray spaces, letters or a decimal point.",
    "too-long": "Shorten the value to the length the API allows.",
    "not-a-number": "Write a number like 1.25 or 1,25; a currency sign may stand beside it (€1,25 or 1.25 USD).",
    "ambiguous-number": "1,234 could be 1.234 or 1234, and a budget of 2.500 could be 2.5 or 2500: write the decimal"
                        " as the message says (2.5, 1.2340), or the whole number with no separator (1234).",
    "id-as-number": "Excel stored the ids as numbers and lost their last digits: format the column as Text and"
                    " paste the ids again (from the export, which keeps them as text).",
    "negative": "Use 0 or more; to clear a value write `none`.",
    "too-large": "The value is above the sanity limit, often a typo (5000 for 5.000): check the decimal point.",
    "not-a-choice": "Use one of the values the message lists (the verb's --help lists them too).",
    "bad-date": "Write dates as YYYY-MM-DD.",
    "ambiguous-date": "Nothing in the file tells whether 11/6/2026 is 6 November or 11 June: write YYYY-MM-DD.",
    "other-account": "The line item is not in the accounts --account names: add its account, or drop the row.",
    "duplicate-conflict": "The same item appears on several rows with different values: keep one row.",
    "line-item-not-found": "Check the line item id: it does not exist, or these credentials cannot see its account.",
    "no-access": "The line item is in an account these credentials may not use: ask for access, or check the id.",
    "not-on-line-item": "The product is not on this line item: fix the ids, or set action=add (or --add) to add it.",
    "edited-elsewhere": "The export's row has an edit this verb does not make: feed the row to the verb the message"
                        " names, or put the cell back as exported.",
    "export-too-old": "The export predates bulkops keeping each row's status: export again, or delete its asExported"
                      " column to act on every row.",
    "conflicting-actions": "Rows ask one product for actions that undo each other: keep the row you mean.",
    "bid-with-action": "A pause, unpause or remove row sets no bid: blank its bid, and set the bid on a row of its"
                       " own.",
    "bid-on-preferred": "Preferred line items take no product bids: set the bid on an auction line item instead.",
    "below-min-bid": "Raise the bid to at least the minimum the message names.",
    "not-in-catalog": "The SKU is not in the retailer's catalog: check the product id for typos.",
    "line-item-full": "The line item holds its maximum of products: remove some, or use another line item.",
    "last-product": "A line item keeps at least one product: add another before removing this one.",
    "not-promoted": "The product is not promoted in these accounts: check the SKU and --account.",
    "account-refused": "These credentials can no longer read an --account: restore the access, or leave that"
                       " account out and feed the errors file back.",
    "status-needed": "The line item is ended, or draft for want of a targetBid, which hides whether it was active or"
                     " paused: add status active or paused to the row.",
    "budget-required": "A preferred line item keeps a budget: give an amount instead of none.",
    "status-not-settable": "This status is set by the platform, not by a client: use the one the message suggests.",
    "seller-campaign-not-found": "Check sellerCampaignId (or sellerId + campaignId): no such seller-campaign.",
    "changed-since-export": "The live value moved since the export: re-export, or run with --overwrite-changed.",
    "no-answer": "Sent, but no answer was seen (or a server error that may have come after it was applied): it may"
                 " have been applied. `bulkops resume RUN_DIR` reads it back.",
    "not-sent": "Never sent (the API stopped answering): `bulkops resume RUN_DIR` sends it.",
    "RateLimited": "The API kept answering 429: run again later, or lower --rate.",
    "internal-error": "The API failed on its side: feed the errors file back later; if it persists, give the trace"
                      " id to the platform's support.",
    "ServerError": "The API failed (5xx) on every attempt: feed the errors file back later.",
}


@dataclass(slots=True)
class Problem:
    """Rows that ended with one error code: how many, the first reason, and a few example rows."""

    code: str
    status: str
    column: str | None
    message: str
    count: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)  # row, message, cells

    @property
    def advice(self) -> str:
        """How to fix it: the advice for its code, else the reason itself."""
        return ADVICE.get(self.code, self.message)


def build_report(run_dir: Path, journal: Journal | None = None) -> Path:
    """(Re)build `run_dir/report.html` from summary.json and the journal (read only, never locked); its path.
    `journal`: the run's, already open (the run writing its reports): not opened and checked again."""
    run_dir = Path(run_dir)
    if not is_run_dir(run_dir):
        raise JournalError(str(run_dir), "holds no bulkops run (no journal.sqlite here): nothing to report")
    summary = _summary(run_dir)
    with nullcontext(journal) if journal is not None else Journal.open(run_dir) as reading:
        meta = reading.meta()
        timeline = reading.timeline()
        slowest = _slowest(reading.chunk_times())
        problems = _problems(reading, bool(meta.get("dry_run")), meta.get("header") or {})
    _add_cells(run_dir / str(meta.get("input_copy", "")), problems, meta)
    page = _template().render(
        s=summary, meta=meta, verdict=_verdict(summary), outcomes=_outcomes(summary), noun=_noun(meta),
        when=_when(run_dir, timeline), chart=_timeline_svg(timeline), phases=_timeline_phases(timeline),
        within_a_second=_within_a_second(timeline),
        slowest=slowest, problems=problems, columns=list((meta.get("header") or {}).values()),
        files={name: Path(p).name for name, p in (summary.get("files") or {}).items()})
    path = run_dir / REPORT_NAME
    fresh = path.with_name(REPORT_NAME + ".new")  # renamed when whole: a reader never sees half a page
    fresh.write_text(page, encoding="utf-8")
    os.replace(fresh, path)
    return path


def _summary(run_dir: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((run_dir / "summary.json").read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise JournalError(str(run_dir), "has no summary.json yet (the run has not finished); finish it with"
                           f" `bulkops resume {run_dir}`") from None
    except (OSError, ValueError) as exc:
        raise JournalError(str(run_dir), f"summary.json cannot be read ({exc})") from None


def _verdict(s: Mapping[str, Any]) -> tuple[str, str]:
    """(tone, words) of the run at a glance."""
    n = s.get("outcomes") or {}
    if s.get("dry_run"):
        return "info", f"Dry run: nothing was sent; {s.get('planned_requests', 0):,} write requests planned"
    if s.get("interrupted") or s.get("stopped"):
        return "warn", f"Stopped early ({s.get('stopped') or 'interrupted'}): `bulkops resume` finishes it"
    if n.get("failed") or n.get("unknown") or n.get("pending"):
        left = ", ".join(f"{n[k]:,} {k}" for k in ("failed", "unknown", "pending") if n.get(k))
        return "bad", f"Finished with problems: {left} of {s.get('rows', 0):,} rows"
    return "good", f"All {s.get('rows', 0):,} rows succeeded or were skipped"


def _outcomes(s: Mapping[str, Any]) -> list[tuple[str, int]]:
    counts = s.get("outcomes") or {}
    return [(k, int(counts[k])) for k in OUTCOME_ORDER if k in counts]


def _when(run_dir: Path, timeline: list[tuple[int, str, int, int, int, int]]) -> str:
    """When the run started (its first request) and finished (summary.json written), in local time."""
    end = datetime.fromtimestamp((run_dir / "summary.json").stat().st_mtime).astimezone()
    if not timeline:
        return f"finished {end:%Y-%m-%d %H:%M:%S %Z}"
    start = datetime.fromtimestamp(timeline[0][0]).astimezone()
    return f"{start:%Y-%m-%d %H:%M:%S} → {end:%H:%M:%S %Z}"


def _noun(meta: Mapping[str, Any]) -> str:
    """What the job's writes are grouped by ("line item"), from the job itself; "group" when it cannot be told."""
    from bulkops import registry  # noqa: PLC0415 - the platforms load only when a report is built

    try:
        _, spec = registry.job(str(meta.get("job")))
        return str(spec.make(meta.get("job_options") or {}).parent.noun)
    except (BulkopsError, LookupError, TypeError, ValueError, AttributeError):
        return "group"


def _slowest(chunks: Iterable[tuple[str, str, int, float]]) -> list[dict[str, Any]]:
    """Groups whose slowest settled request took longest, with their totals (one entry per group, not per row)."""
    groups: dict[str, dict[str, Any]] = {}
    for parent, kind, operations, seconds in chunks:
        g = groups.setdefault(parent, {"parent": parent or "—", "kinds": set(), "requests": 0, "operations": 0,
                                       "seconds": 0.0, "slowest": 0.0})
        g["kinds"].add(kind)
        g["requests"] += 1
        g["operations"] += operations
        g["seconds"] += seconds
        g["slowest"] = max(g["slowest"], seconds)
    top = heapq.nlargest(SLOWEST, groups.values(), key=lambda g: g["slowest"])
    longest = top[0]["slowest"] if top else 0.0
    for g in top:
        g["kinds"] = ", ".join(sorted(g["kinds"]))
        g["share"] = round(100 * g["slowest"] / longest) if longest else 0
    return top


def _problems(journal: Journal, dry_run: bool, header: Mapping[str, str]) -> list[Problem]:
    """Rows that did not end well, per error code: streamed, a count and a few examples each; columns named as
    the user's file names them (`header`), as the errors file does."""
    found: dict[str, Problem] = {}
    for note in journal.notes(OutcomeStatus.FAILED):  # a million no-ops cost nothing here either
        column = header.get(note.column, note.column) if note.column else note.column
        _count(found, (note.code, note.status.value, column), note.row_number, note.message)
    if dry_run:  # a dry run's operations are planned, never sent: not a problem
        return sorted(found.values(), key=lambda p: (-p.count, p.code))
    # only what did not end well is read: a million succeeded operations cost nothing here
    for record in journal.records(statuses=(OutcomeStatus.FAILED.value, OutcomeStatus.UNKNOWN.value)):
        out = record.outcome
        assert out is not None
        _count(found, (out.error_code or "error", out.status.value, None), record.operation.row_number,
               out.reason or "no reason was given")
    _, unsent = journal.pending_count()  # counted, and a few rows read: not a million operations
    examples = journal.unsent_rows(EXAMPLES) if unsent else []
    for i, row in enumerate(examples):
        problem = _count(found, ("not-sent", "pending", None), row, "not sent yet")
        if i == len(examples) - 1:
            problem.count += unsent - len(examples)
    return sorted(found.values(), key=lambda p: (-p.count, p.code))


def _count(found: dict[str, Problem], what: tuple[str, str, str | None], row: int, message: str) -> Problem:
    """Count one failure under its (code, status, column), keeping it as an example while there is room; the
    problem it was counted under."""
    code, status, column = what
    problem = found.get(code)
    if problem is None:
        if len(found) >= MAX_CODES:
            code = "other"
            problem = found.setdefault(code, Problem(code, status, None, "other errors (see the errors file)"))
        else:
            problem = found[code] = Problem(code, status, column, _WHERE.sub("", message))
    problem.count += 1
    if len(problem.examples) < EXAMPLES and all(e["row"] != row for e in problem.examples):
        problem.examples.append({"row": row, "message": _WHERE.sub("", message), "cells": {}})
    return problem


def _bins(timeline: list[tuple[int, str, int, int, int, int]]) -> tuple[int, list[list[float]], dict[str, list[int]]]:
    """(seconds per bar, [requests, retries, 429s, errors] per second averaged per bar, phase → [first, last] bar)."""
    start = timeline[0][0]
    step = max(1, -(-(timeline[-1][0] - start + 1) // MAX_BINS))  # seconds per bar: a long run stays readable
    bins = (timeline[-1][0] - start) // step + 1
    series = [[0.0] * bins for _ in range(4)]
    phases: dict[str, list[int]] = {}
    for second, phase, *counts in timeline:
        i = (second - start) // step
        for values, n in zip(series, counts, strict=True):
            values[i] += n / step
        phases.setdefault(phase, [i, i])[1] = i
    return step, series, phases


def _timeline_phases(timeline: list[tuple[int, str, int, int, int, int]]) -> str:
    """The run's phases on the chart's x axis, for its caption: "reading 0–12 s · sending 12–80 s"."""
    if not timeline:
        return ""
    step, _, phases = _bins(timeline)
    return " · ".join(f"{phase} {first * step}–{(last + 1) * step} s" for phase, (first, last) in phases.items())


def _within_a_second(timeline: list[tuple[int, str, int, int, int, int]]) -> str | None:
    """What a run that made all its requests within one second made, said in words: its chart would be one bar."""
    if not timeline or timeline[0][0] != timeline[-1][0]:
        return None
    requests, retries, limited, errors = (sum(int(t[i]) for t in timeline) for i in range(2, 6))
    return (f"Every request of this run went within one second: {requests:,} request{'s' * (requests != 1)},"
            f" {retries:,} retr{'ies' if retries != 1 else 'y'}, {limited:,} 429 answer{'s' * (limited != 1)},"
            f" {errors:,} error{'s' * (errors != 1)}.")


def _timeline_svg(timeline: list[tuple[int, str, int, int, int, int]]) -> str | None:
    """Requests, retries, 429s and errors per second over the run, as inline SVG (None for a run that sent none,
    or sent everything within one second: a chart of one bar says nothing the page's numbers do not)."""
    if not timeline or timeline[0][0] == timeline[-1][0]:
        return None
    # pygal, not matplotlib: it writes the SVG itself (no fonts, no backend) and imports in a tenth of the time
    import pygal  # noqa: PLC0415 - pygal loads only when a report is built
    from pygal.style import Style  # noqa: PLC0415 - pygal loads only when a report is built

    # pygal appends to sys.meta_path a finder for its map plugins (unused here) that has no find_spec: on Python
    # 3.11 every later import that misses (an optional dependency probed) then warns ImportWarning, an error
    # wherever warnings are errors (Kozea/pygal#532, open). Taken back out: the process's imports stay as they were.
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

    step, series, _ = _bins(timeline)
    span = len(series[0]) * step
    tick = _nice(span / 12, (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600))  # 12 x labels at most
    top = max(1.0, *(max(v) for v in series)) * 1.05
    y_tick = _nice(top / 5, (1, 2, 5))  # whole numbers, 5 y labels or so (pygal's own scale goes 0, 0.8, 1.6…)
    y_labels = list(range(0, math.ceil(top / y_tick) * y_tick + 1, y_tick))
    shrink = min(1.0, max(0.5, 60 / len(series[0])))  # markers smaller where bars are thin: no blots
    style = Style(background="#fff", plot_background="#fff", foreground="#333", foreground_strong="#1d232b",
                  foreground_subtle="#5f6b7a", opacity=".8", opacity_hover=".8", transition="0ms",
                  guide_stroke_color="#e3e6ea", major_guide_stroke_color="#e3e6ea", guide_stroke_dasharray="none",
                  major_guide_stroke_dasharray="none", colors=("#4c78a8", "#f58518", "#d62728", "#7b2d26"),
                  font_family="system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
                  label_font_size=12, major_label_font_size=12, legend_font_size=13, title_font_size=13)
    # XY, not Line: seconds are numbers, so a bar spans its seconds and a marker sits in the middle of its bar
    chart = pygal.XY(
        width=1000, height=320, style=style, js=[],  # js=[]: no tooltip script fetched from kozea.github.io
        legend_at_bottom=True, legend_at_bottom_columns=4, legend_box_size=12, truncate_legend=-1,
        x_title="seconds since the first request",
        y_title="per second" if step == 1 else f"per second ({step} s bars)",
        x_labels=list(range(0, span + 1, tick)), xrange=(0, span), x_value_formatter=lambda x: f"{x:g}",
        y_labels=y_labels, range=(0, y_labels[-1]), include_x_axis=True, show_x_guides=False, show_y_guides=True,
        margin=8, margin_bottom=20, spacing=12, truncate_label=-1,
        value_formatter=lambda v: f"{v:,.0f}" if v == int(v) else f"{v:,.2f}",
        # a white ring keeps a marker apart from the bars and from the marker under it
        css=["file://style.css", "file://graph.css", "inline:#chart-bulkops-timeline .dot { stroke: #fff; }"])
    chart.uuid = "bulkops-timeline"  # the id pygal prefixes its CSS with (as above): the same page for the same run
    # requests as bars: a step outline, filled down to zero
    bars = [(x, v) for i, v in enumerate(series[0]) for x in (i * step, (i + 1) * step)]
    chart.add(f"requests ({_total(series[0], step)})", bars, fill=True, show_dots=False)
    for values, label, size in zip(series[1:], ("retries", "429 answers", "errors"), (7, 5.5, 4), strict=True):
        # markers only, none where there is nothing; sizes shrink so that markers on one spot stay apart
        chart.add(f"{label} ({_total(values, step)})", [(i * step + step / 2, v) for i, v in enumerate(values) if v],
                  stroke=False, dots_size=size * shrink)
    text = str(chart.render(is_unicode=True, disable_xml_declaration=True))
    # the page runs no script (its CSP forbids them): pygal's inline config script is of no use, nor are its
    # comments (a date and its links): the same run gives the same page
    return re.sub(r"<script\b.*?</script>\s*|<!--.*?-->", "", text[text.index("<svg"):], flags=re.DOTALL)


def _nice(at_least: float, steps: tuple[int, ...]) -> int:
    """The first of `steps` times a power of ten (1, 2, 5, 10, 20, …) that is `at_least`: a tick interval."""
    scale = 1
    while True:
        for n in steps:
            if n * scale >= at_least:
                return n * scale
        scale *= 10


def _total(per_second: list[float], step: int) -> str:
    return f"{round(sum(per_second) * step):,}"


def _add_cells(path: Path, problems: list[Problem], meta: Mapping[str, Any]) -> None:
    """The input's cells of the example rows, read from the run's copy of the input (its sheet and header row as
    the run read them); stops once all are found."""
    wanted = {e["row"]: e for p in problems for e in p.examples}
    if not wanted or not path.is_file():
        return
    import pyarrow as pa  # noqa: PLC0415 - loaded only when a report is built
    import pyarrow.compute as pc  # noqa: PLC0415

    from bulkops.io.columns import ROW_NUMBER  # noqa: PLC0415
    from bulkops.io.readers import open_copy  # noqa: PLC0415

    columns = [c for c in (meta.get("header") or {}).values() if c]
    last = max(wanted)
    try:
        table = open_copy(path, meta)
        with closing(table.iter_batches(rows=10_000)) as batches:  # stopping early closes the file
            for batch in batches:
                numbers = batch.column(ROW_NUMBER)
                hits = batch.filter(pc.is_in(numbers, value_set=pa.array(list(wanted), numbers.type)))
                for record in hits.to_pylist():
                    example = wanted[int(record[ROW_NUMBER])]
                    example["cells"] = {c: _cut(record.get(c)) for c in columns}
                    carried = str(record.get("inputRow") or "").strip()  # a file fed back: the original sheet's row
                    if ("outcome" in record or "error" in record) and carried.isdigit() and int(carried) > 1:
                        example["row"] = int(carried)
                if batch.num_rows and pc.max(numbers).as_py() >= last:
                    break
    except (BulkopsError, OSError, ValueError):
        return  # the examples keep their row numbers and messages: the page is still worth having


def _cut(value: Any) -> str:
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    return text if len(text) <= CELL_CHARS else text[:CELL_CHARS - 1] + "…"


@cache
def _template() -> Any:
    from jinja2 import (  # noqa: PLC0415 - only reports need Jinja
        Environment,
        FileSystemBytecodeCache,
        PackageLoader,
        StrictUndefined,
    )

    class Compiled(FileSystemBytecodeCache):
        """Compiling the template costs ~0.09 s, every run: Jinja keeps the compiled code in a directory of the
        user's own under the system's temp dir (made 0700 and checked to be theirs), keyed by the template's
        source. A cache it cannot write is no reason to fail a run's report."""

        def dump_bytecode(self, bucket: Any) -> None:
            with suppress(OSError):
                super().dump_bytecode(bucket)

    try:
        compiled: FileSystemBytecodeCache | None = Compiled()
    except (OSError, RuntimeError):  # no temp dir of the user's own: compile every time
        compiled = None
    env = Environment(loader=PackageLoader("bulkops.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, bytecode_cache=compiled)
    env.filters["num"] = lambda v: f"{v:,}" if isinstance(v, int) else f"{v:,.1f}" if isinstance(v, float) else v
    return env.get_template("report.html.j2")
