"""The input checks of a write job: every row typed and checked before anything is sent; duplicates settled."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bulkops.io.columns import ROW_NUMBER, Header, Row, check_rows, duplicates, match_header, unchanged
from bulkops.io.readers import Table, open_table
from bulkops.runner.protocol import WriteJob
from bulkops.types import OutcomeStatus, RowNote


@dataclass(slots=True)
class Checked:
    """The input after the checks: rows to plan and notes for the others."""

    table: Table
    header: Header
    rows: list[Row]
    notes: list[RowNote]
    total: int


def check_input(job: WriteJob, path: Path, sheet: str | None = None) -> Checked:
    """Read and check every row; nothing is sent for a row with a problem."""
    table = open_table(path, sheet=sheet)
    header = match_header(str(path), table.columns, job.schema, required=job.required())
    valid: list[Row] = []
    notes: list[RowNote] = []
    total = 0
    selector_name = job.schema.selector or ""
    selector = header.mapping.get(selector_name)
    for batch in table.iter_batches():
        total += len(batch)
        records = batch.to_dict("records")
        if selector is not None:  # rows meant for another job (e.g. an export's campaign rows): skipped first
            mine = []
            for record in records:
                kind = str(record[selector]).strip()
                reason = job.skip_reason(Row(int(record[ROW_NUMBER]), {selector_name: kind})) if kind else None
                if reason is None:
                    mine.append(record)
                else:
                    notes.append(RowNote(int(record[ROW_NUMBER]), OutcomeStatus.SKIPPED, None, "not-for-this-job",
                                         reason))
            records = mine
        for checked in check_rows(str(path), records, job.schema, header):
            if isinstance(checked, list):
                notes += [RowNote.from_error(e) for e in checked]
            elif unchanged(checked, job.schema):
                notes.append(RowNote(checked.row_number, OutcomeStatus.SKIPPED, None, "unchanged",
                                     "not edited since the export: nothing to send"))
            else:
                valid.append(checked)
    keep, dupes = duplicates(valid, job.schema.key, str(path))
    for number, code, message in dupes:
        status = OutcomeStatus.SKIPPED if code == "duplicate" else OutcomeStatus.FAILED
        notes.append(RowNote(number, status, None, code, message))
    return Checked(table, header, keep, notes, total)
