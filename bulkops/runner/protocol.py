"""What a platform's write job tells the runner, and what a run is given and gives back."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bulkops.engine.client import ApiClient
from bulkops.engine.pool import Reporter
from bulkops.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_ROWS_FAILED
from bulkops.io.columns import Row, Schema, same_value
from bulkops.io.writers import stderr_notice
from bulkops.report.files import ReportFiles
from bulkops.runner.events import ProgressListener, ignore
from bulkops.types import Chunk, Operation, OpRecord, OutcomeStatus, Plan, RowNote


class Executor(Protocol):
    """Sends operations and reports each one as it leaves and as it settles (through the engine's pool).

    An operation sent with no answer seen is read back before it is sent again (`WriteJob.read_back`); one
    whose request may have reached the API twice must still end as asked: an upsert, a status set to the same
    value, a removal that counts "already gone" as done, a full replacement carrying the journaled body. A
    request that is not safe to repeat (a create) is sent with `idempotent=False`. Each platform says why its
    own requests are safe, where it sends them.
    """

    async def execute(self, operations: Iterable[Operation], reporter: Reporter) -> None:
        """Run every operation once, reporting each chunk to `reporter`; may raise `ApiUnreachable`.

        `operations` streams from the journal, sorted by parent and kind: never hold it in a list (a run can have
        a million). It may be iterated more than once (once per phase, say); each pass reads the operations
        still unsent at that moment. `of_kinds` reads a phase's alone.
        """


def of_kinds(operations: Iterable[Operation], kinds: Iterable[str]) -> Iterator[Operation]:
    """The operations of these kinds: read from the journal alone where `operations` streams from it (its
    `of_kinds`: the others are never made into objects), else picked out."""
    wanted = tuple(kinds)
    pick = getattr(operations, "of_kinds", None)
    if pick is not None:
        return iter(pick(wanted))
    return (op for op in operations if op.kind in wanted)


@dataclass(frozen=True, slots=True)
class Parent:
    """What a job's writes are grouped by, in the words of its files and messages."""

    column: str | None  # the column that names it ("lineItemId"), None when writes are not grouped
    noun: str  # "line item"; "item" when not grouped
    plural: str = ""

    @property
    def nouns(self) -> str:
        """The plural."""
        return self.plural or self.noun + "s"


class WriteJob(Protocol):
    """What a platform tells the runner about one kind of write job."""

    name: str  # the verb
    platform: str  # the registry name of its platform
    schema: Schema
    parent: Parent
    # Rows planned together share these columns' values (a line item's rows: its reads, its 500-product cap);
    # rows are planned a few thousand at a time, whole groups at a time. Empty: all rows in one plan() call.
    group_by: tuple[str, ...]

    def required(self) -> tuple[str, ...]:
        """Columns this run needs besides the schema's always-required ones."""

    # Optional: `key_blanks`, (column, value) pairs saying what a blank cell of a key column means (a product row's
    # blank action is the verb's), so that duplicates are found whichever way a row says it.
    # Optional: `not_idempotent`, the kinds of operation that must never be sent twice (a create): one sent with no
    # answer and not read back yet waits for requests still in flight before it is sent again.
    # Optional: `missing_hint(missing: tuple[str, ...]) -> str | None`, the job's advice when a file lacks columns
    # it requires (e.g. "a sheet of productId alone works with --account ID"); `fit.check` adds it to the error.

    def skip_reason(self, row: Row) -> str | None:
        """Why a row is not for this job (e.g. another entity's row of an export), or None."""

    async def plan(self, api: ApiClient, rows: list[Row], options: PlanOptions) -> Plan:
        """Read what is needed and plan the rows."""

    # Optional: `plan_columns(batch: Columns, options: PlanOptions) -> Plan | None`, a plan that needs no reads made
    # column by column (its operations in `Plan.alike`), for a million rows near the speed of the disk; None when
    # this batch needs `plan` (reads, say). It must plan exactly as `plan` would.

    def executor(self, api: ApiClient) -> Executor:
        """What sends the operations."""

    def chunks(self, operations: Iterable[Operation]) -> Iterator[Chunk]:
        """The requests the operations become (for the dry run's plan and time estimate).

        Cut by kind, parent and count only, never by an operation's fields: the dry run counts a group's requests
        from its size and one of its operations.
        """

    async def read_back(self, api: ApiClient,
                        operations: list[Operation]) -> Sequence[bool | Mapping[str, Any] | None]:
        """For operations sent with no answer seen: is each one's change in place now (True, or the API's item as
        read when the undo needs it, e.g. a created budget with its id), surely not (False: it is sent again),
        or can it not be told (None: it stays unknown)?"""

    def view(self, op: Operation) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """(before, after) of an operation, for the reports."""

    def undo(self, done: Iterable[OpRecord]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
        """(columns, rows) that restore what the operations changed: those that succeeded, and those sent with no
        answer seen (they may have been applied; restoring an unchanged value changes nothing). Called on a batch
        of records at a time: the columns must not depend on the batch."""

    def options(self) -> dict[str, Any]:
        """What resume needs to rebuild this job."""


@dataclass(frozen=True, slots=True)
class Columns:
    """A batch of checked rows column by column, for `plan_columns`: pyarrow arrays, the row numbers (int64) and
    each column's normalized text (null when blank; see `io.vector`), in the same order."""

    numbers: Any
    cells: Mapping[str, Any]

    def get(self, name: str) -> Any:
        """A column's cells; all null when the file has no such column."""
        import pyarrow as pa  # noqa: PLC0415

        found = self.cells.get(name)
        return pa.nulls(len(self.numbers), pa.string()) if found is None else found


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """How a job plans: with the current values read first (snapshot), and what to do with rows of an old export
    whose live value moved since (skip them as conflicts, unless `overwrite_changed`)."""

    snapshot: bool = True
    overwrite_changed: bool = False


NOT_ASKED: Any = object()  # `conflict(asked=...)`: the row asks nothing of the column (a blank cell)


def conflict(row_number: int, baseline: Mapping[str, Any] | None, column: str, live: Any,  # noqa: PLR0913
             options: PlanOptions, *, asked: Any = NOT_ASKED, show: Callable[[Any], str] = str,
             what: str = "") -> RowNote | None:
    """A row edited from an export (`baseline`: its values as exported) whose `column` moved on the API since
    the export read it: failed, nothing sent for it (the user decides: the edit was not made, and a script must
    not read the run as clean), unless `--overwrite-changed`. None when no conflict; none either when the live
    value is what the row `asked` for (None: cleared, "none"; the same file run again, after a run that applied
    it: already done)."""
    exported = (baseline or {}).get(column, _MISSING)
    if exported is _MISSING or options.overwrite_changed or same_value(exported, live):
        return None
    if asked is not NOT_ASKED and same_value(asked, live):
        return None
    where = f" {what}" if what else ""
    return RowNote(row_number, OutcomeStatus.FAILED, column, "changed-since-export",
                   f"{column}{where} is {show(live)} now, not {show(exported)} as exported: someone changed it"
                   " since; not sent (re-export, or pass --overwrite-changed to write it anyway)")


_MISSING = object()



@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run a write job."""

    run_dir: Path
    dry_run: bool = False
    snapshot: bool = True
    overwrite_changed: bool = False
    sheet: str | None = None  # a workbook's sheet; None: the one whose header names the job's columns
    header_row: int | None = None  # a workbook's header row (as Excel numbers it); None: found in the top rows
    skip_hidden: bool = False  # a workbook's hidden (filtered-out) rows are left out (skipped), not applied
    report_format: str | None = None  # csv | parquet | xlsx; None = the input's (XLSX gives CSV)
    listener: ProgressListener = ignore
    notice: Callable[[str], None] = stderr_notice  # what the user should know (stderr: stdout may carry --json)
    meta: Mapping[str, Any] = field(default_factory=dict)  # more facts for the journal (e.g. which sandbox)


@dataclass(slots=True)
class RunResult:
    """What a run did: outcome counts, request counters, where the reports are, and its exit code."""

    run_dir: Path
    rows: int
    outcomes: dict[str, int]
    summary: dict[str, Any]
    files: ReportFiles = field(default_factory=ReportFiles)
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        """0 all rows succeeded or were skipped, 1 some failed, 130 not finished (resumable)."""
        unfinished = sum(self.outcomes.get(s.value, 0) for s in (OutcomeStatus.UNKNOWN, OutcomeStatus.PENDING))
        if self.interrupted or unfinished:
            return EXIT_INTERRUPTED
        return EXIT_ROWS_FAILED if self.outcomes.get(OutcomeStatus.FAILED.value) else EXIT_OK
