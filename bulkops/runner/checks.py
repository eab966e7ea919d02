"""The input checks of a write job, streamed: every row checked before anything is sent, in batches, into the
journal's SQLite (the run's working store), where duplicates are found and rows wait to be planned by group.

Memory stays flat whatever the size of the sheet: a batch of rows is read, checked column by column, and
written to SQLite before the next one is read.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import anyio

from bulkops.io.columns import (
    ROW_NUMBER,
    Header,
    Row,
    Schema,
    date_order,
    dates_order,
    edited_elsewhere,
    exported_order,
    parse_baseline,
    unchanged,
)
from bulkops.io.readers import MARK, ROW_FLAGS, Table
from bulkops.io.vector import MISSING, check_frame, decode
from bulkops.io.writers import transposed, whole_numbers
from bulkops.runner.journal import Journal
from bulkops.runner.protocol import Columns, WriteJob
from bulkops.types import OutcomeStatus, RowError, RowNote

if TYPE_CHECKING:
    import pyarrow as pa

SEP = "\x1f"  # between the normalized cells of a staged row


@dataclass(frozen=True, slots=True)
class Layout:
    """Which columns a staged row carries, in which order, and which make its key and its group."""

    names: tuple[str, ...]
    key: tuple[str, ...]
    group: tuple[str, ...]
    blanks: tuple[tuple[str, str], ...] = ()  # what a blank key cell means (a blank action: the verb's)

    @classmethod
    def of(cls, job: WriteJob, header: Header) -> Layout:
        """The columns the file maps, the schema's key, the job's grouping."""
        schema = job.schema
        names = tuple(n for n in header.mapping if n != schema.baseline)
        return cls(names, schema.key, tuple(job.group_by), tuple(getattr(job, "key_blanks", ())))


async def stage_input(job: WriteJob, table: Table, header: Header, journal: Journal,  # noqa: PLR0913
                      source: str, progress: Callable[[int, str], None] | None = None, *,
                      skip_hidden: bool = False) -> int:
    """Check every row of the input (the run's copy of `source`, the user's file that messages name) into the
    journal; returns how many rows the input has. `progress(rows, phase)` hears each batch, then the duplicates.

    A workbook's hidden rows are counted (journal meta `hidden_rows`), and left out when `skip_hidden`; its last
    row is skipped when it is a totals row.

    A Ctrl-C or SIGTERM (each cancels the run's task) stops it after the batch being checked, or between two
    batches of duplicates settled: synchronous work that no await would otherwise interrupt for minutes.
    """
    schema, path = job.schema, source
    layout = Layout.of(job, header)
    dates = _dates_order(job, table, header)
    journal.restart_staging()
    total = hidden = 0
    for batch in table.iter_batches(marked=True):
        total += len(batch)
        notes, rows, n_hidden = _workbook_rows(job, header, batch, skip_hidden, table.sheet)
        hidden += n_hidden
        more, mine = _other_entities(job, header, rows)
        notes += more
        valid, errors = check_frame(path, mine, schema, header, dates)
        notes += _from_errors(errors)
        rows, unchanged_notes = _staged_rows(valid, layout, schema, path, header)
        journal.stage(rows, [*notes, *unchanged_notes])
        if progress is not None:
            progress(total, "checking rows")
        await anyio.sleep(0)  # where a stop lands
    if progress is not None:
        progress(total, "finding duplicate rows")
    try:
        journal.settle_duplicates(partial(_conflict, path, layout), partial(_same_values, layout, schema),
                                  between=_stop_if_cancelled)
    except _Stopped:  # undone; the cancellation is delivered as at any await
        await anyio.sleep(0)
        raise asyncio.CancelledError from None  # asked for, yet not delivered by that await: stopped all the same
    if table.format == "xlsx":
        journal.set_meta({"hidden_rows": hidden})
    return total


def _dates_order(job: WriteJob, table: Table, header: Header) -> str | None:
    """The order of the file's local dates (Excel saves a date back as 11/6/2026 in the US, 6/11/2026 in most of
    Europe), as the dates that tell it say (a day above 12, or dots), read before any row is checked: a date
    that does not tell then reads the same on every row. Only a CSV file with date columns is read for it (its
    rows are line items or budgets, thousands, not millions); a workbook's dates are dates, not texts."""
    schema = job.schema
    columns = {n: h for n, h in header.mapping.items() if n != schema.baseline and schema.column(n).kind == "date"}
    if not columns or table.format != "csv":
        return None
    exported = header.mapping.get(schema.baseline) if schema.baseline else None
    told: set[str | None] = set()
    for batch in table.iter_batches():
        cells = {n: batch.column(h).to_pylist() for n, h in columns.items()}
        told.update(date_order(text) for texts in cells.values() for text in set(texts))
        if exported is not None:  # an export saved back: its unedited dates tell the order next to what it wrote
            for i, raw in enumerate(batch.column(exported).to_pylist()):
                was = _json_object(raw)
                told.update(exported_order(texts[i], was.get(n)) for n, texts in cells.items())
    return dates_order(told)


def _json_object(text: str) -> dict[str, Any]:
    try:
        found = json.loads(text) if text else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


class _Stopped(Exception):
    """The run's task was cancelled while duplicates were being settled (synchronous work)."""


def _stop_if_cancelled() -> None:
    """Between two batches of duplicates: a Ctrl-C or SIGTERM cancels the run's task, which only an await would
    notice; this one notices it."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise _Stopped


def planned_rows(batch: list[tuple[int, str, str, str | None]], layout: Layout, schema: Schema) -> list[Row]:
    """Staged rows (row_number, group, cells, baseline) back as typed Rows, for the planner."""
    columns = [schema.column(n) for n in layout.names]
    rows = []
    for number, _, vals, baseline in batch:
        cells = vals.split(SEP)
        values = {c.name: v for c, cell in zip(columns, cells, strict=True)
                  if (v := decode(c, cell)) is not None}
        rows.append(Row(number, values, parse_baseline(schema, baseline) if baseline else None))
    return rows


def staged_columns(batch: list[tuple[int, str, str, str | None]], layout: Layout) -> Columns:
    """Staged rows back column by column (pyarrow arrays of normalized text, null when blank), for a job's
    `plan_columns`: split by pyarrow, not row by row."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    numbers, _, vals, _ = transposed(batch, 4)
    parts = pc.split_pattern(pa.array(vals, pa.string()), SEP)
    cells = {}
    for i, name in enumerate(layout.names):
        column = pc.list_element(parts, i)
        cells[name] = pc.if_else(pc.equal(column, MISSING), pa.scalar(None, pa.string()), column)
    return Columns(whole_numbers(numbers), cells)


TOTAL_WORDS = re.compile(r"^(grand\s*)?(sub\s*)?(totals?|sums?)\s*:?$", re.IGNORECASE)


def _workbook_rows(job: WriteJob, header: Header, frame: pa.Table, skip_hidden: bool,
                   sheet: str | None) -> tuple[list[RowNote], pa.Table, int]:
    """A workbook's hidden rows (counted; skipped when asked) and its totals row at the bottom (skipped), with
    notes; the other rows; how many rows are hidden. Other inputs pass through."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    if ROW_FLAGS not in frame.column_names:
        return [], frame, 0
    flags = frame.column(ROW_FLAGS).to_pylist()
    numbers = frame.column(ROW_NUMBER).to_pylist()
    hidden = ["hidden" in f for f in flags]
    drop = [h and skip_hidden for h in hidden]
    notes = [RowNote(n, OutcomeStatus.SKIPPED, None, "hidden-row",
                     f"hidden row (hidden or filtered out in sheet {sheet!r}): left out, as asked")
             for n, d in zip(numbers, drop, strict=True) if d]
    for i, f in enumerate(flags):
        if "last" in f and not drop[i]:
            why = _totals(job, header, frame.slice(i, 1).to_pylist()[0], "sums" in f)
            if why:
                notes.append(RowNote(numbers[i], OutcomeStatus.SKIPPED, None, "totals-row",
                                     f"a totals row at the bottom of sheet {sheet!r} ({why}): not sent"))
                drop[i] = True
    kept = frame.filter(pc.invert(pa.array(drop, pa.bool_()))) if any(drop) else frame
    return notes, kept, sum(hidden)


def _totals(job: WriteJob, header: Header, row: dict[str, Any], sums: bool) -> str | None:
    """Why the sheet's last row is a totals row, or None: no ids (or the word Total where they would be), numbers,
    and a SUM formula or the word Total somewhere in the row. A sheet of ids alone (a pause list) has its count
    there instead: the word Total in an id column, and a COUNT (or SUM) formula's number in the others. A row
    merely missing its ids is not one: it fails."""
    schema = job.schema
    used = [(schema.column(n), h) for n, h in header.mapping.items() if n != schema.baseline]
    ids = [(c, str(row[h]).strip()) for c, h in used if c.kind == "id"]
    numbers = [c.name for c, h in used if c.kind == "decimal" and str(row[h]).strip()]
    if ids and not numbers and sums and any(TOTAL_WORDS.match(text) for _, text in ids):
        counted = [c.name for c, text in ids if text.isdigit() or text.startswith(MARK)]  # MARK: not computed
        if all(not text or TOTAL_WORDS.match(text) or c.name in counted for c, text in ids) and counted:
            return f"the word Total, and a COUNT or SUM formula's number in {', '.join(counted)}"
    if not ids or not numbers or any(text and not TOTAL_WORDS.match(text) for _, text in ids):
        return None
    worded = any(TOTAL_WORDS.match(str(v).strip()) for k, v in row.items() if k not in (ROW_NUMBER, ROW_FLAGS))
    if not (sums or worded):
        return None
    return f"no {', '.join(c.name for c, _ in ids)}, and {'a SUM formula' if sums else 'the word Total'} with" \
        f" numbers in {', '.join(numbers)}"


def _other_entities(job: WriteJob, header: Header, frame: pa.Table) -> tuple[list[RowNote], pa.Table]:
    """Rows meant for another job (an export's campaign rows fed to `bids`): skipped first, with the reason."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    name = job.schema.selector
    column = header.mapping.get(name) if name else None
    if name is None or column is None:
        return [], frame
    kinds = pc.utf8_trim_whitespace(frame.column(column))
    distinct = pc.unique(kinds).to_pylist()
    reasons = {k: job.skip_reason(Row(0, {name: k})) for k in distinct if k}
    if not any(reasons.values()):
        return [], frame
    skipped = pc.is_in(kinds, value_set=pa.array([k for k, why in reasons.items() if why], pa.string()))
    others = frame.filter(skipped)
    edits = _edits(others, header.mapping.get(job.schema.baseline or ""))
    notes = []
    for i, (n, k) in enumerate(zip(others.column(ROW_NUMBER).to_pylist(), kinds.filter(skipped).to_pylist(),
                                   strict=True)):
        if i in edits:
            column, was, now = edits[i]
            notes.append(RowNote(int(n), OutcomeStatus.FAILED, column, "edited-elsewhere",
                                 f"{reasons[k]}, but its {column} was edited since the export ({was or 'blank'} →"
                                 f" {now}): this run does not make that change, and nothing was sent for the row;"
                                 " put back the exported value to go on without it"))
        else:
            notes.append(RowNote(int(n), OutcomeStatus.SKIPPED, None, "not-for-this-job", str(reasons[k])))
    return notes, frame.filter(pc.invert(skipped))


_TEXT_EDITS = ("status", "name")  # compared as text, case aside: a number or date re-saved by Excel is no edit


def _edits(rows: pa.Table, baseline: str | None) -> dict[int, tuple[str, str, str]]:
    """Rows of another entity, from an export, whose status, name or a number (a bid) was edited since (their
    baseline column says what was exported): index → (column, then, now). Such an edit is not made by this run, so
    it must not pass as a row merely skipped."""
    if not baseline or baseline not in rows.column_names or not rows.num_rows:
        return {}
    columns = {c.strip().lower(): c for c in rows.column_names}
    cells: dict[str, list[Any]] = {}  # a column's cells, taken out of pyarrow once (not a scalar per cell)
    found = {}
    for i, text in enumerate(rows.column(baseline).to_pylist()):
        try:
            was = json.loads(text) if text else None
        except ValueError:
            continue
        if not isinstance(was, dict):
            continue
        for name, exported in was.items():
            column = columns.get(name.lower())
            if column is None:
                continue
            if column not in cells:
                cells[column] = rows.column(column).to_pylist()
            now = str(cells[column][i] or "").strip()
            then = "" if exported is None else str(exported).strip()
            if now and _edited_cell(name, now, then):
                found[i] = (column, then, now)
                break
    return found


def _edited_cell(name: str, now: str, then: str) -> bool:
    """A text (status, name) compared case aside; a number (a bid, a budget) by its value, as written either way
    (1.5, 1.50, 1,5); a date is no edit (Excel re-saves 2026-01-05 as 1/5/2026)."""
    if name in _TEXT_EDITS:
        return now.casefold() != then.casefold()
    now_means, then_means = _numbers(now), _numbers(then)
    if not now_means:
        return False  # a 15-digit cell (Excel keeps no more) is the 17-digit value it was exported as
    return not any(math.isclose(a, b, rel_tol=1e-12) for a in now_means for b in then_means)


def _numbers(text: str) -> set[float]:
    """The values a number cell may mean: `1,5` is 1.5; `1,234` is 1.234 or 1234 (a thousands separator, as a
    re-saved sheet may write it); none for text."""
    ways = {text}
    if text.count(",") == 1 and "." not in text:
        ways = {text.replace(",", "."), text.replace(",", "")} if len(text.partition(",")[2]) == 3 else \
            {text.replace(",", ".")}
    elif "," in text and "." in text:
        ways = {text.replace(",", "")}  # 1,234.50
    found = set()
    for way in ways:
        with suppress(ValueError):
            found.add(float(way))
    return found


def _from_errors(errors: list[RowError]) -> list[RowNote]:
    """One note per bad row (its first bad cell; the others are in the same message's spirit)."""
    seen: dict[int, RowNote] = {}
    for error in errors:
        seen.setdefault(error.row_number, RowNote.from_error(error))
    return list(seen.values())


def _staged_rows(valid: pa.Table, layout: Layout, schema: Schema, path: str,
                 header: Header) -> tuple[list[list[Any]], list[RowNote]]:
    """The batch's rows as the journal stages them, in five columns (row_number, group, key, cells, baseline),
    made column by column; rows of an export not edited since are skipped (they are the only ones looked at one
    by one)."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    def joined(names: tuple[str, ...], blanks: Mapping[str, str] | None = None) -> list[str]:
        if not names:
            return [""] * len(valid)
        blank = blanks or {}
        parts = [pc.fill_null(valid.column(n), blank.get(n, MISSING)) if n in present
                 else pa.array([blank.get(n, MISSING)] * len(valid), pa.string()) for n in names]
        column = pc.binary_join_element_wise(*parts, SEP) if len(parts) > 1 else parts[0]
        return list(column.to_pylist())

    present = set(valid.column_names)
    numbers = valid.column(ROW_NUMBER).to_pylist()
    columns = [numbers, joined(layout.group), joined(layout.key, dict(layout.blanks)), joined(layout.names)]
    if not (schema.baseline and schema.baseline in present):
        return [*columns, [None] * len(numbers)], []
    staged = zip(*columns, strict=True)
    rows, notes = [], []
    unedited = "not edited since the export: nothing to send"
    if schema.acts_on is not None:
        column, value = schema.acts_on
        unedited += f" (set its {column} to {value} to act on it, or delete the {schema.baseline} column to act on" \
                    " every row of the file)"
    for row, base in zip(staged, valid.column(schema.baseline).to_pylist(), strict=True):
        if base:
            (typed,) = planned_rows([(row[0], "", row[3], base)], layout, schema)
            elsewhere = edited_elsewhere(typed, schema)
            if elsewhere is not None:
                column, message = elsewhere
                error = RowError(path, row[0], header.mapping.get(column, column), "edited-elsewhere", message)
                notes.append(RowNote.from_error(error))
                continue
            if schema.acts_on is not None and typed.baseline is not None and schema.acts_on[0] not in typed.baseline:
                column = schema.acts_on[0]
                notes.append(RowNote.from_error(RowError(
                    path, row[0], header.mapping.get(schema.baseline or "", schema.baseline), "export-too-old",
                    f"this row is from an export that did not keep each row's {column}, so the rows edited since"
                    f" cannot be told from the others (fed back whole, it would act on every row): export again,"
                    f" or delete the {schema.baseline} column to act on every row of the file")))
                continue
            if unchanged(typed, schema):
                notes.append(RowNote(row[0], OutcomeStatus.SKIPPED, None, "unchanged", unedited))
                continue
        rows.append((*row, base))
    return [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(5)], notes


def _same_values(layout: Layout, schema: Schema, vals: str, other: str) -> bool:
    """Two staged rows' cells hold the same values (1.50 and 1.5 are one bid); of a job that sets values
    (`Schema.values`), those alone count: rows differing in a note say the same thing."""
    columns = [schema.column(n) for n in layout.names]
    return all(decode(c, a) == decode(c, b) for c, a, b in zip(columns, vals.split(SEP), other.split(SEP),
                                                                 strict=True)
               if not schema.values or c.name in schema.values)


_NAMED_ROWS = 5  # the other rows of a duplicate conflict its message names ("... and 295 more")


def _conflict(path: str, layout: Layout, key: str, row: int, numbers: Sequence[int]) -> str:
    """`row` is one of the rows `numbers` sharing `key`: the first few others are named, the rest counted (a key
    on 300 rows must not make 300 messages of 300 numbers each)."""
    values = ", ".join(f"{n} {v}" for n, v in zip(layout.key, key.split(SEP), strict=False) if v and v != MISSING)
    named = [n for n in numbers[:_NAMED_ROWS + 1] if n != row][:_NAMED_ROWS]
    more = len(numbers) - 1 - len(named)
    others = ", ".join(map(str, named)) + (f" and {more:,} more" if more else "")
    return f"{path}, row {row}: {values} is also on row(s) {others} with other values; keep one"
