"""The report files of a run, rebuilt from the journal and the input: results, errors, undo, summary.json.

- ``results``: every input row, its own cells first, then what became of it.
- ``errors``: the failed rows only, with the input's columns first and the cells exactly as they were, then
  the reason: fix the cells and feed the file straight back (the extra columns are ignored on input).
- ``undo``: rows that restore what the run changed, in the columns of the job that reads them.
- ``summary.json``: counts that add up to the input's rows, requests, retries, 429s, wall time, rate.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkops.io.columns import ROW_NUMBER
from bulkops.io.readers import Table
from bulkops.io.writers import TableWriter, cell_text
from bulkops.report.outcomes import RowOutcome, Values
from bulkops.types import OutcomeStatus

OUTCOME_COLUMNS = ("inputRow", "outcome", "message", "errorCode", "errorColumn", "before", "after", "httpStatus",
                   "attempts", "traceId")
ERROR_COLUMNS = ("error", "errorCode", "errorColumn", "inputRow")
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


def input_columns(columns: Sequence[str]) -> dict[str, str]:
    """The input's columns as the reports carry them: input header → report header.

    A file that is itself a bulkops report (results or errors fed back) has bulkops' own columns from the last
    run: they are dropped, since this run writes them anew. A user's own column that happens to share a name
    with one of the report's (`message`, `outcome` ...) is kept, renamed "<name> (input)".
    """
    ours = set(OUTCOME_COLUMNS) | set(ERROR_COLUMNS)
    fed_back = "inputRow" in columns and ("outcome" in columns or "error" in columns)
    kept: dict[str, str] = {}
    for name in columns:
        if name in ours and fed_back:
            continue
        kept[name] = f"{name} (input)" if name in ours else name
    return kept


def write_results(table: Table, outcomes: Mapping[int, RowOutcome], run_dir: Path, fmt: str,
                  *, planned: bool = False) -> tuple[Path, Path | None]:
    """The results file, and the errors file when some rows failed (streamed from the input again)."""
    names = input_columns(table.columns)
    own, renamed = list(names), list(names.values())
    results_path = report_name(run_dir, "results" if not planned else "plan", fmt)
    errors_path = report_name(run_dir, "errors", fmt)
    failed = 0
    with TableWriter(results_path, [*renamed, *OUTCOME_COLUMNS]) as results, \
            TableWriter(errors_path, [*renamed, *ERROR_COLUMNS]) as errors:
        for batch in table.iter_batches():
            cells = batch[own].rename(columns=names).to_dict("records")
            for number, row in zip(batch[ROW_NUMBER].tolist(), cells, strict=True):
                outcome = outcomes.get(number)
                results.write([{**row, **_outcome_cells(number, outcome, planned)}])
                if outcome is None or outcome.status is OutcomeStatus.FAILED:
                    failed += 1
                    errors.write([{**row, **_error_cells(number, outcome)}])
    if not failed:
        errors_path.unlink()
        return results_path, None
    return results_path, errors_path


def write_rows(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Path | None:
    """A table of rows (the undo file); nothing is written when there are no rows."""
    with TableWriter(path, columns) as writer:
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
            "errorColumn": outcome.column, "before": describe(outcome.before),
            "after": describe(outcome.after if not planned else outcome.planned), "httpStatus": outcome.http_status,
            "attempts": outcome.attempts or None, "traceId": outcome.trace_id}


def _error_cells(number: int, outcome: RowOutcome | None) -> dict[str, Any]:
    if outcome is None:
        return {"error": NO_OUTCOME, "inputRow": number}
    message = outcome.message
    if outcome.http_status:
        message = f"{message} (HTTP {outcome.http_status}, traceId {outcome.trace_id})"
    return {"error": message, "errorCode": outcome.error_code, "errorColumn": outcome.column, "inputRow": number}


def describe(values: list[Values]) -> str:
    """Before/after values in a few words: `bidOverride 1.2`, or per parent when there are several."""
    def one(parent: str, value: Mapping[str, Any], with_parent: bool) -> str:
        text = ", ".join(f"{k} {_text(v)}" for k, v in value.items()) or "-"
        return f"{parent}: {text}" if with_parent else text

    if not values:
        return ""
    return "; ".join(one(parent, v, len(values) > 1) for parent, v in values)


def _text(value: Any) -> str:
    return "none" if value is None else cell_text(value)
