"""`export` for every platform: the platform streams rows, this writes them to CSV, Parquet or XLSX with flat
memory (rows go to the writer as they arrive; the readers slow down when the writer does).

The format follows `out`'s extension. In XLSX, ids and every other text column are text cells (Excel keeps
`00123` and long ids whole), the platform's numeric columns are numbers; an inventory longer than an Excel
sheet (1,048,575 rows) continues on further sheets rather than being refused: the row count is only known once
the export is done, and refusing then would throw a long export away. In CSV, the cells Excel would change on
opening are counted; the user hears of them, and of any further sheet, once the file is complete (`notice`).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bulkops.io.writers import TableWriter, stderr_notice
from bulkops.runner.events import Progress, ProgressListener, ignore

TICK_ROWS = 500  # rows between two progress events

if TYPE_CHECKING:
    from bulkops.engine.client import ApiClient

RowSource = Callable[["ApiClient", Mapping[str, Any]], AsyncIterator[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Table:
    """What a platform's export writes: its stable columns, which of them are numbers, how rows are told apart."""

    columns: tuple[str, ...]
    numeric: tuple[str, ...] = ()
    entity: str = "entity"  # the column naming each row's kind (counted in the result)


@dataclass(slots=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    rows: dict[str, int] = field(default_factory=dict)  # entity → rows written
    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    wall_time_s: float = 0.0
    target: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The summary printed at the end (and with --json)."""
        return {"out": str(self.path), "target": self.target, "rows": self.rows, "requests": self.requests,
                "retries": self.retries, "rate_limited": self.rate_limited,
                "wall_time_s": round(self.wall_time_s, 2)}


async def export(api: ApiClient, source: RowSource, table: Table, out: Path,  # noqa: PLR0913
                 options: Mapping[str, Any], listener: ProgressListener = ignore,
                 notice: Callable[[str], None] = stderr_notice) -> ExportResult:
    """Stream the platform's rows into `out`; returns the row counts and request figures. `notice` hears what
    the user should know about the file (cells Excel would change in a CSV file, further XLSX sheets)."""
    result = ExportResult(out, target=api.connection.where)
    started = time.monotonic()

    def tick(phase: str) -> None:
        c = api.counters
        listener(Progress(phase, None, sum(result.rows.values()), c.get("requests", 0), c.get("retries", 0),
                          c.get("rate_limited", 0), time.monotonic() - started))

    with TableWriter(out, table.columns, numeric=table.numeric, notice=notice) as writer:
        seen = 0
        async for row in source(api, options):
            writer.write([row])
            kind = str(row.get(table.entity) or "row")
            result.rows[kind] = result.rows.get(kind, 0) + 1
            seen += 1
            if seen % TICK_ROWS == 0:
                tick("exporting")
    c = api.counters
    result.requests, result.retries, result.rate_limited = (c.get("requests", 0), c.get("retries", 0),
                                                            c.get("rate_limited", 0))
    result.wall_time_s = time.monotonic() - started
    tick("done")
    return result
