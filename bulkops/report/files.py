"""The report files of a run, rebuilt from the journal and the input: results, errors, undo, summary.json.

- ``results``: every input row, its own cells first, then what became of it.
- ``errors``: the failed rows only, with the input's columns first and the cells exactly as they were, then
  the reason: fix the cells and feed the file straight back (the extra columns are ignored on input).

The input's cells are text in every format (fed back, they must read exactly as they were); bulkops' own
counts (`NUMERIC_COLUMNS`) are whole numbers in Parquet and XLSX. `errorColumn` names the column as the user's
header does (`sku`, not the schema's `productId`). A results or errors file fed back keeps the original sheet's
row numbers: `inputRow` carries them on, and a message naming a row of the fed-back file names the original
row too.
- ``undo``: rows that restore what the run changed, in the columns of the job that reads them.
- ``summary.json``: counts that add up to the input's rows, requests, retries, 429s, wall time, rate.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkops.io.columns import ROW_NUMBER
from bulkops.io.readers import Table
from bulkops.io.writers import Notice, TableWriter, cell_text, listed, transposed, whole_numbers
from bulkops.report.outcomes import PIECE, UNANSWERED, UNSENT, RowOutcome, fold, joined, widened
from bulkops.types import OutcomeStatus, RowNote

OUTCOME_COLUMNS = ("inputRow", "outcome", "message", "errorCode", "errorColumn", "before", "after", "httpStatus",
                   "attempts", "traceId")
ERROR_COLUMNS = ("error", "errorCode", "errorColumn", "inputRow")
NUMERIC_COLUMNS = ("inputRow", "httpStatus", "attempts")  # whole numbers in Parquet and XLSX reports
NO_OUTCOME = "no outcome was recorded for this row (a bug: please report it with the run directory)"
PLANNED = "dry run: would be sent"


@dataclass(slots=True)
class ReportFiles:
    """Where a run's reports are."""

    results: Path | None = None
    errors: Path | None = None
    undo: Path | None = None
    summary: Path | None = None
    extra: dict[str, Path] = field(default_factory=dict)

    def as_dict(self) -> dict[str, str]:
        """name → path, for the summary and the screen."""
        paths = {"results": self.results, "errors": self.errors, "undo": self.undo, "summary": self.summary,
                 **self.extra}
        return {k: str(v) for k, v in paths.items() if v is not None}


def report_name(run_dir: Path, stem: str, fmt: str) -> Path:
    """`run_dir/stem.<ext>` for a report format."""
    return run_dir / f"{stem}.{fmt}"


def fed_back(columns: Sequence[str]) -> bool:
    """Whether an input is itself a bulkops report (results or errors fed back)."""
    return "inputRow" in columns and ("outcome" in columns or "error" in columns)


def input_columns(columns: Sequence[str]) -> dict[str, str]:
    """The input's columns as the reports carry them: input header → report header.

    A file that is itself a bulkops report (results or errors fed back) has bulkops' own columns from the last
    run: they are dropped, since this run writes them anew (its `inputRow`, the original sheet's row numbers,
    is carried on: see `write_results`). A user's own column that happens to share a name with one of the
    report's (`message`, `outcome` ...) is kept, renamed "<name> (input)".
    """
    ours = set(OUTCOME_COLUMNS) | set(ERROR_COLUMNS)
    fed = fed_back(columns)
    kept: dict[str, str] = {}
    for name in columns:
        if name in ours and fed:
            continue
        kept[name] = f"{name} (input)" if name in ours else name
    return kept


# (low, high row) → notes, operations (PIECE, but for their shape's id in place of the last two), shapes shown
Pieces = Callable[[int, int], tuple[list[RowNote], list[tuple[Any, ...]], Mapping[int, tuple[str, str]]]]


@dataclass(frozen=True, slots=True)
class Naming:
    """How the reports name things as the user does: the input's headers, the input file, the original rows."""

    header: Mapping[str, str] = field(default_factory=dict)  # schema name → the input's header (journal meta)
    source: str = ""  # the input file as the messages name it

    def column(self, name: str | None) -> str | None:
        """A column as the user's header names it (`sku`, not `productId`); already the user's name: unchanged."""
        if not name or name in self.header.values():
            return name
        return self.header.get(name, name)

    def message(self, message: str, number: int, original: int) -> str:
        """A message naming row `number` of a fed-back file names the original sheet's row too."""
        prefix = f"{self.source}, row {number}"
        if original == number or not self.source or not message.startswith(prefix) \
                or message[len(prefix):len(prefix) + 1].isdigit():
            return message
        return f"{prefix} (row {original} of the original sheet){message[len(prefix):]}"


def report_delimiter(table: Table) -> str:
    """The delimiter of a run's CSV reports: the input's semicolon, where the user's Excel separates cells so (much
    of Europe: a comma-separated report would open there as one column), else the comma."""
    return ";" if table.format == "csv" and table.delimiter == ";" else ","


def write_results(table: Table, pieces: Pieces, run_dir: Path, fmt: str, *, parents: str = "items",  # noqa: PLR0913
                  planned: bool = False, naming: Naming = Naming(), notice: Notice | None = None,
                  progress: Callable[[int], None] | None = None, originals: dict[int, int] | None = None,
                  delimiter: str = ",") -> tuple[Path, Path | None, dict[str, int]]:
    """The results file, the errors file when some rows failed, and the count of rows per outcome.

    The input is streamed again batch by batch, each batch with the outcomes of its rows (`pieces`), so memory
    stays flat however many rows there are. `inputRow` is the row of the input, or, for a results or errors
    file fed back, the row of the original sheet it carries. `notice` hears what Excel would change in a CSV
    report; `progress` the rows written so far, batch by batch; `originals`, given rows of this file as keys,
    gets the original sheet's row of each (a file fed back). CSV reports are separated by `delimiter`.
    """
    names = input_columns(table.columns)
    renamed = list(names.values())
    carried = fed_back(table.columns)
    results_path = report_name(run_dir, "results" if not planned else "plan", fmt)
    errors_path = report_name(run_dir, "errors", fmt)
    tally: Counter[str] = Counter({s.value: 0 for s in OutcomeStatus})
    with TableWriter(results_path, [*renamed, *OUTCOME_COLUMNS], integer=NUMERIC_COLUMNS, notice=notice,
                     delimiter=delimiter) as results, \
            TableWriter(errors_path, [*renamed, *ERROR_COLUMNS], integer=NUMERIC_COLUMNS, notice=notice,
                        delimiter=delimiter) as errors:
        for batch in table.iter_batches():
            numbers = batch.column(ROW_NUMBER).to_pylist()
            if not numbers:
                continue
            notes, ops, looks = pieces(min(numbers), max(numbers))
            original_rows = numbers if not carried else \
                [_row(o, n) for o, n in zip(batch.column("inputRow").to_pylist(), numbers, strict=True)]
            if originals and carried:
                originals.update({n: o for n, o in zip(numbers, original_rows, strict=True) if n in originals})
            columns = _op_columns(numbers, notes, ops, looks, planned) if original_rows is numbers else None
            if columns is None:
                whole = [(*op[:8], looks[op[8]][0], _answered(looks[op[8]][1], op[9] if len(op) > 9 else None))
                         for op in widened(ops)]  # as PIECE
                columns = transposed(_outcome_rows(numbers, original_rows, notes, whole, planned, naming, parents),
                                     len(OUTCOME_COLUMNS) + 1)
            statuses = listed(columns.pop())
            tally.update(statuses)
            cells = {new: batch.column(old) for old, new in names.items()}  # pyarrow arrays, written as they are
            results.write_columns({**cells, **dict(zip(OUTCOME_COLUMNS, columns, strict=True))})
            failed = [i for i, status in enumerate(statuses) if status == _FAILED]
            if failed:
                shown = list(zip(*(_taken(c, failed) for c in columns), strict=True))
                errors.write_columns({**{k: _taken(v, failed) for k, v in cells.items()}, **_error_columns(shown)})
            if progress is not None:
                progress(sum(tally.values()))
    if errors.rows_written == 0:
        errors_path.unlink()
        return results_path, None, dict(tally)
    return results_path, errors_path, dict(tally)


_FAILED, _PENDING, _UNKNOWN = OutcomeStatus.FAILED.value, OutcomeStatus.PENDING.value, OutcomeStatus.UNKNOWN.value
_SUCCEEDED = OutcomeStatus.SUCCEEDED.value


def _row(carried: Any, number: int) -> int:
    """The original sheet's row a fed-back row carries in its `inputRow` cell; its own row when blank or not one."""
    text = str(carried).strip()
    return int(text) if text.isdigit() and int(text) > 1 else number


def _outcome_rows(numbers: list[int], originals: list[int], notes: list[RowNote], ops: list[tuple[Any, ...]],  # noqa: PLR0913
                  planned: bool, naming: Naming, parents: str) -> list[tuple[Any, ...]]:
    """Each row's OUTCOME_COLUMNS cells, then its status. A row of one operation and no note, or one note and no
    operation (nearly every row), is read straight off it; the others are folded (`outcomes.fold`)."""
    ops_per_row = Counter(op[0] for op in ops)
    notes_per_row = Counter(n.row_number for n in notes)
    single = {op[0]: op for op in ops if ops_per_row[op[0]] == 1 and op[0] not in notes_per_row}
    alone = {n.row_number: n for n in notes if notes_per_row[n.row_number] == 1 and n.row_number not in ops_per_row}
    rest = [n for n in notes if n.row_number not in alone]
    folded = fold(rest, [dict(zip(PIECE, op, strict=True)) for op in ops if op[0] not in single], parents) \
        if len(single) < len(ops) or rest else {}
    rows = []
    for number, original in zip(numbers, originals, strict=True):
        op = single.get(number)
        if op is not None:
            rows.append(_op_cells(op, number, original, planned, naming))
        elif (note := alone.get(number)) is not None:
            rows.append(_note_cells(note, original, naming))
        else:
            rows.append(_outcome_cells(number, original, folded.get(number), planned, naming))
    return rows


def _op_columns(numbers: list[int], notes: list[RowNote], ops: list[tuple[Any, ...]],
                shown: Mapping[int, tuple[str, str]], planned: bool) -> list[Sequence[Any]] | None:
    """`_op_cells` of a whole batch at once, by pyarrow (as pyarrow arrays), when every row of it is one operation
    and no note (a plan's or a run's common batch); None otherwise. `ops` hold their shape's id, `shown` says how
    each shape shows before and after (`Journal.pieces`: operations of a run with no status yet are keys alone)."""
    if notes or len(ops) != len(numbers) or (ops and len(ops[0]) > 9 and any(op[9] is not None for op in ops)):
        return None  # (an answer to show, a created budget's id: row by row)
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    text, whole = pa.string(), pa.int64()
    rows = whole_numbers(numbers)
    if ops and len(ops[0]) == 3:  # nothing but blanks to read
        of_rows, _, shapes = transposed(ops, 3)
        of_rows, shapes = whole_numbers(of_rows), whole_numbers(shapes)
        status, reason, code, trace_id = (pa.nulls(len(ops), text) for _ in range(4))
        http_status, attempts = pa.nulls(len(ops), whole), pa.repeat(0, len(ops))
    else:
        of_rows, _, status, reason, code, http_status, trace_id, attempts, shapes = (
            whole_numbers(c) if kind == whole else pa.array(c, kind)
            for c, kind in zip(transposed([op[:9] for op in ops] if len(ops[0]) > 9 else ops, 9),
                               (whole, text, text, text, text, whole, text, whole, whole), strict=True))
    if not pc.all(pc.equal(of_rows, rows)).as_py():
        return None
    ids = pc.unique(shapes).to_pylist()
    at = pc.index_in(shapes, pa.array(ids, whole))
    before, after = (pa.array([shown[i][side] for i in ids], text).take(at) for side in (0, 1))
    status = pc.fill_null(status, _PENDING)
    default = pc.if_else(pc.equal(status, _PENDING), UNSENT, pc.if_else(pc.equal(status, _UNKNOWN), UNANSWERED, ""))
    message = pc.if_else(pc.fill_null(pc.not_equal(reason, ""), False), reason, default)
    shown = status
    if planned:
        sent = pc.not_equal(status, _FAILED)
        shown, message = pc.if_else(sent, "planned", status), pc.if_else(sent, PLANNED, message)
        after = pc.fill_null(after, "")
    else:
        after = pc.if_else(pc.equal(status, _SUCCEEDED), pc.fill_null(after, ""), "")
    message = pc.if_else(pc.equal(message, ""), pa.scalar(None, text), message)
    attempts = pc.if_else(pc.equal(attempts, 0), pa.scalar(None, whole), attempts)
    return [rows, shown, message, code, pa.nulls(len(numbers), text), pc.fill_null(before, ""),
            after, http_status, attempts, trace_id, status]


def _answered(after: str, result: str | None) -> str:
    """How an operation shows after, with what the API answered of it (a created budget's id: the user's next
    edit of it needs that id, which only the answer knows)."""
    if result is None:
        return after
    answer = json.loads(result)
    said = ", ".join(f"{k} {v}" for k, v in answer.items()) if isinstance(answer, dict) else ""
    return ", ".join(part for part in (after, said) if part)


def _taken(column: Sequence[Any], rows: list[int]) -> list[Any]:
    """The cells of some rows of a column (a list, or a pyarrow array)."""
    if hasattr(column, "take"):
        return column.take(rows).to_pylist()
    return [column[i] for i in rows]


def _note_cells(note: RowNote, original: int, naming: Naming) -> tuple[Any, ...]:
    """The cells of a row settled before sending by one note, as `fold` and `_outcome_cells` would make them."""
    status = note.status.value
    message = naming.message(note.message, note.row_number, original) if note.message else None
    return (original, status, message, note.code, naming.column(note.column), "", "", None, None, None, status)


def _op_cells(op: tuple[Any, ...], number: int, original: int, planned: bool, naming: Naming) -> tuple[Any, ...]:
    """The cells of a row that is one operation, as `fold` and `_outcome_cells` would make them."""
    _, _, status, reason, code, http_status, trace_id, attempts, before, after = op
    status = status or _PENDING
    message = reason or (UNSENT if status == _PENDING else UNANSWERED if status == _UNKNOWN else "")
    shown = status
    if planned and status != _FAILED:
        shown, message = "planned", PLANNED
    if planned or status == _SUCCEEDED:
        after = after or ""
    else:
        after = ""
    if message and original != number:
        message = naming.message(message, number, original)
    return (original, shown, message or None, code, None, before or "", after, http_status, attempts or None,
            trace_id, status)


def _outcome_cells(number: int, original: int, outcome: RowOutcome | None, planned: bool,
                   naming: Naming) -> tuple[Any, ...]:
    if outcome is None:
        return (original, _FAILED, NO_OUTCOME, None, None, None, None, None, None, None, _FAILED)
    status = shown = outcome.status.value
    message = outcome.message
    if planned and outcome.operations and outcome.status is not OutcomeStatus.FAILED:
        shown, message = "planned", PLANNED
    return (original, shown, naming.message(message, number, original) if message else None, outcome.error_code,
            naming.column(outcome.column), joined(outcome.before, named=outcome.operations > 1),
            joined(outcome.after if not planned else outcome.planned, named=outcome.operations > 1),
            outcome.http_status,
            outcome.attempts or None, outcome.trace_id, status)


def _error_columns(shown: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """The errors file's own columns, from the failed rows' results cells (OUTCOME_COLUMNS): the message with the
    API's HTTP status and traceId, the code, the column, the row."""
    columns: dict[str, list[Any]] = {c: [] for c in ERROR_COLUMNS}
    for original, _, message, code, column, _, _, http_status, _, trace_id in shown:
        error = message or ""
        if http_status:
            error = f"{error} (HTTP {http_status}, traceId {trace_id})"
        columns["error"].append(error)
        columns["errorCode"].append(code)
        columns["errorColumn"].append(column)
        columns["inputRow"].append(original)
    return columns


def write_rows(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]], *,  # noqa: PLR0913
               integer: Iterable[str] = (), notice: Notice | None = None, delimiter: str = ",") -> Path | None:
    """A table of rows (the undo file, a dry run's requests); nothing is written when there are no rows.
    `integer` columns are whole numbers in Parquet and XLSX."""
    with TableWriter(path, columns, integer=integer, notice=notice, delimiter=delimiter) as writer:
        writer.write(rows)
    if writer.rows_written == 0:
        path.unlink()
        return None
    return path


def write_summary(run_dir: Path, summary: Mapping[str, Any]) -> Path:
    """summary.json."""
    path = run_dir / "summary.json"
    tmp = path.with_suffix(".json.partial")
    tmp.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def describe_values(values: Mapping[str, Any] | None) -> str:
    """One operation's before or after values in a few words: `bidOverride 1.2, status paused`."""
    if values is None:
        return ""
    return ", ".join(f"{k} {_text(v)}" for k, v in values.items()) or "-"


def _text(value: Any) -> str:
    return "none" if value is None else cell_text(value)
