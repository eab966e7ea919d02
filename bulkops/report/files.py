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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkops.io.columns import ROW_NUMBER
from bulkops.io.readers import Table
from bulkops.io.writers import Notice, TableWriter, cell_text
from bulkops.report.outcomes import RowOutcome, fold, joined
from bulkops.types import OutcomeStatus

OUTCOME_COLUMNS = ("inputRow", "outcome", "message", "errorCode", "errorColumn", "before", "after", "httpStatus",
                   "attempts", "traceId")
ERROR_COLUMNS = ("error", "errorCode", "errorColumn", "inputRow")
NUMERIC_COLUMNS = ("inputRow", "httpStatus", "attempts")  # whole numbers in Parquet and XLSX reports
NO_OUTCOME = "no outcome was recorded for this row (a bug: please report it with the run directory)"


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


Pieces = Callable[[int, int], tuple[list[Any], list[Any]]]  # (low row, high row) → notes, operations


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


def write_results(table: Table, pieces: Pieces, run_dir: Path, fmt: str, *, parents: str = "items",  # noqa: PLR0913
                  planned: bool = False, naming: Naming = Naming(),
                  notice: Notice | None = None) -> tuple[Path, Path | None, dict[str, int]]:
    """The results file, the errors file when some rows failed, and the count of rows per outcome.

    The input is streamed again batch by batch, each batch with the outcomes of its rows (`pieces`), so memory
    stays flat however many rows there are. `inputRow` is the row of the input, or, for a results or errors
    file fed back, the row of the original sheet it carries. `notice` hears what Excel would change in a CSV
    report.
    """
    names = input_columns(table.columns)
    renamed = list(names.values())
    carried = fed_back(table.columns)
    results_path = report_name(run_dir, "results" if not planned else "plan", fmt)
    errors_path = report_name(run_dir, "errors", fmt)
    tally = {s.value: 0 for s in OutcomeStatus}
    with TableWriter(results_path, [*renamed, *OUTCOME_COLUMNS], integer=NUMERIC_COLUMNS, notice=notice) as results, \
            TableWriter(errors_path, [*renamed, *ERROR_COLUMNS], integer=NUMERIC_COLUMNS, notice=notice) as errors:
        for batch in table.iter_batches():
            numbers = batch[ROW_NUMBER].tolist()
            if not numbers:
                continue
            notes, ops = pieces(min(numbers), max(numbers))
            outcomes = fold(notes, ops, parents)
            cells = {new: batch[old].tolist() for old, new in names.items()}
            shown = [outcomes.get(n) for n in numbers]
            originals = [_row(o, n) for o, n in zip(batch["inputRow"].tolist(), numbers, strict=True)] if carried \
                else numbers
            for outcome in shown:
                tally[(outcome.status if outcome else OutcomeStatus.FAILED).value] += 1
            results.write_columns({**cells, **_outcome_columns(numbers, originals, shown, planned, naming)})
            failed = [i for i, o in enumerate(shown) if o is None or o.status is OutcomeStatus.FAILED]
            if failed:
                errors.write_columns({**{k: [v[i] for i in failed] for k, v in cells.items()},
                                      **_error_columns([numbers[i] for i in failed], [originals[i] for i in failed],
                                                       [shown[i] for i in failed], naming)})
    if errors.rows_written == 0:
        errors_path.unlink()
        return results_path, None, tally
    return results_path, errors_path, tally


def _row(carried: Any, number: int) -> int:
    """The original sheet's row a fed-back row carries in its `inputRow` cell; its own row when blank or not one."""
    text = str(carried).strip()
    return int(text) if text.isdigit() and int(text) > 1 else number


def _outcome_columns(numbers: list[int], originals: list[int], shown: list[RowOutcome | None], planned: bool,
                     naming: Naming) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {c: [] for c in OUTCOME_COLUMNS}
    for number, original, outcome in zip(numbers, originals, shown, strict=True):
        cells = _outcome_cells(original, outcome, planned)
        cells["errorColumn"] = naming.column(cells.get("errorColumn"))
        cells["message"] = naming.message(cells["message"], number, original) if cells.get("message") else None
        for c in OUTCOME_COLUMNS:
            columns[c].append(cells.get(c))
    return columns


def _error_columns(numbers: list[int], originals: list[int], shown: list[RowOutcome | None],
                   naming: Naming) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {c: [] for c in ERROR_COLUMNS}
    for number, original, outcome in zip(numbers, originals, shown, strict=True):
        cells = _error_cells(original, outcome)
        cells["errorColumn"] = naming.column(cells.get("errorColumn"))
        cells["error"] = naming.message(cells["error"], number, original)
        for c in ERROR_COLUMNS:
            columns[c].append(cells.get(c))
    return columns


def write_rows(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]], *,
               integer: Iterable[str] = (), notice: Notice | None = None) -> Path | None:
    """A table of rows (the undo file, a dry run's requests); nothing is written when there are no rows.
    `integer` columns are whole numbers in Parquet and XLSX."""
    with TableWriter(path, columns, integer=integer, notice=notice) as writer:
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


def _outcome_cells(number: int, outcome: RowOutcome | None, planned: bool) -> dict[str, Any]:
    if outcome is None:
        return {"inputRow": number, "outcome": OutcomeStatus.FAILED.value, "message": NO_OUTCOME}
    status = outcome.status.value
    message = outcome.message
    if planned and outcome.operations and outcome.status is not OutcomeStatus.FAILED:
        status, message = "planned", "dry run: would be sent"
    return {"inputRow": number, "outcome": status, "message": message, "errorCode": outcome.error_code,
            "errorColumn": outcome.column, "before": joined(outcome.before),
            "after": joined(outcome.after if not planned else outcome.planned), "httpStatus": outcome.http_status,
            "attempts": outcome.attempts or None, "traceId": outcome.trace_id}


def _error_cells(number: int, outcome: RowOutcome | None) -> dict[str, Any]:
    if outcome is None:
        return {"error": NO_OUTCOME, "inputRow": number}
    message = outcome.message
    if outcome.http_status:
        message = f"{message} (HTTP {outcome.http_status}, traceId {outcome.trace_id})"
    return {"error": message, "errorCode": outcome.error_code, "errorColumn": outcome.column, "inputRow": number}


def describe_values(values: Mapping[str, Any] | None) -> str:
    """One operation's before or after values in a few words: `bidOverride 1.2, status paused`."""
    if values is None:
        return ""
    return ", ".join(f"{k} {_text(v)}" for k, v in values.items()) or "-"


def _text(value: Any) -> str:
    return "none" if value is None else cell_text(value)
