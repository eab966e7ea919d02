"""The run journal: a SQLite file (WAL) in the run directory that records every planned
operation and its outcome as soon as it is known, so that reports can always be rebuilt
and `bulkops resume` knows exactly what is left.

Durability: WAL with ``synchronous=NORMAL`` survives the death of the process (kill -9) —
only a power cut can lose the last transactions, and then those operations simply count
as not-yet-known and are sent again on resume (see the resume notes in ``runner.run``).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from bulkops.errors import JournalError
from bulkops.types import Operation, OpRecord, Outcome, OutcomeStatus, RowNote

JOURNAL_NAME = "journal.sqlite"
_SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ops (
    op_id INTEGER PRIMARY KEY,
    row_number INTEGER NOT NULL,
    kind TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    fields TEXT NOT NULL,
    before TEXT,
    status TEXT,            -- NULL until the outcome is known
    reason TEXT, error_code TEXT, http_status INTEGER, trace_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    UNIQUE (row_number, kind, parent_id, entity_id)
);
CREATE TABLE IF NOT EXISTS row_notes (  -- rows settled before sending: invalid, no-op, duplicate
    row_number INTEGER NOT NULL,
    status TEXT NOT NULL,
    column_name TEXT, code TEXT NOT NULL, message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ops_pending ON ops (status) WHERE status IS NULL;
CREATE INDEX IF NOT EXISTS ops_row ON ops (row_number);
CREATE INDEX IF NOT EXISTS notes_row ON row_notes (row_number);
"""


def file_fingerprint(path: str | Path) -> str:
    """SHA-256 of a file's bytes: how resume knows the input is unchanged."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Journal:
    """Append-mostly record of one run. Open with `create()` or `open()`; close when done."""

    def __init__(self, db: sqlite3.Connection, run_dir: Path) -> None:
        self._db = db
        self.run_dir = run_dir

    # -- lifecycle -------------------------------------------------------------------------
    @classmethod
    def create(cls, run_dir: str | Path, meta: Mapping[str, Any]) -> Journal:
        """Start the journal of a new run in `run_dir` (created if needed; must not hold one)."""
        run_dir = Path(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        path = run_dir / JOURNAL_NAME
        if path.exists():
            raise JournalError(str(run_dir), "already holds a run; use `bulkops resume` or another --run-dir")
        journal = cls(_connect(path), run_dir)
        journal._db.executescript(_SCHEMA)
        journal.set_meta({"schema": _SCHEMA_VERSION, **meta})
        return journal

    @classmethod
    def open(cls, run_dir: str | Path) -> Journal:
        """Open the journal of an existing run, for resume or reports."""
        run_dir = Path(run_dir)
        path = run_dir / JOURNAL_NAME
        if not path.is_file():
            raise JournalError(str(run_dir), f"no run journal here (expected {JOURNAL_NAME})")
        try:
            journal = cls(_connect(path), run_dir)
            schema = journal.meta().get("schema")
        except sqlite3.DatabaseError as exc:
            raise JournalError(str(run_dir), f"the journal cannot be read ({exc})") from exc
        if schema != _SCHEMA_VERSION:
            raise JournalError(str(run_dir), f"journal schema {schema!r} is not supported")
        return journal

    def close(self) -> None:
        """Checkpoint and close the database."""
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- meta ------------------------------------------------------------------------------
    def set_meta(self, values: Mapping[str, Any]) -> None:
        """Store run-level facts (job, input fingerprint, options), JSON-encoded."""
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [(k, json.dumps(v)) for k, v in values.items()],
            )

    def meta(self) -> dict[str, Any]:
        """Every run-level fact."""
        return {k: json.loads(v) for k, v in self._db.execute("SELECT key, value FROM meta")}

    # -- planning --------------------------------------------------------------------------
    def add_notes(self, notes: Iterable[RowNote]) -> None:
        """Record rows settled before sending."""
        with self._db:
            self._db.executemany(
                "INSERT INTO row_notes VALUES (?, ?, ?, ?, ?)",
                ((n.row_number, n.status.value, n.column, n.code, n.message) for n in notes),
            )

    def add_operations(self, operations: Iterable[Operation]) -> None:
        """Record planned operations (outcome unknown until `record`)."""
        with self._db:
            self._db.executemany(
                "INSERT INTO ops (row_number, kind, parent_id, entity_id, fields, before)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (_op_row(op) for op in operations),
            )

    # -- execution -------------------------------------------------------------------------
    def record(self, results: Iterable[tuple[Operation, Outcome]]) -> None:
        """Record outcomes as soon as they are known (one transaction per call)."""
        with self._db:
            self._db.executemany(
                "UPDATE ops SET status=?, reason=?, error_code=?, http_status=?, trace_id=?,"
                " attempts=attempts+? WHERE row_number=? AND kind=? AND parent_id=? AND entity_id=?",
                (_outcome_row(op, out) for op, out in results),
            )

    def pending(self) -> Iterator[Operation]:
        """Operations with no known outcome (never sent, or sent with no answer seen), in row order."""
        sql = "SELECT * FROM ops WHERE status IS NULL OR status = ? ORDER BY op_id"
        for row in self._rows(sql, (OutcomeStatus.UNKNOWN.value,)):
            yield _operation(row)

    def operations(self) -> Iterator[OpRecord]:
        """Every operation with its outcome, in planning order."""
        for row in self._rows("SELECT * FROM ops ORDER BY op_id"):
            yield OpRecord(_operation(row), _outcome(row))

    def notes(self) -> Iterator[RowNote]:
        """Every row settled before sending, in row order."""
        sql = "SELECT row_number, status, column_name, code, message FROM row_notes ORDER BY row_number, rowid"
        for r in self._db.execute(sql):
            yield RowNote(r[0], OutcomeStatus(r[1]), r[2], r[3], r[4])

    def counts(self) -> dict[str, int]:
        """Operations per outcome status ('pending' for not yet known)."""
        sql = "SELECT COALESCE(status, 'pending'), COUNT(*) FROM ops GROUP BY 1"
        return dict(self._db.execute(sql).fetchall())

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> Iterator[sqlite3.Row]:
        with closing(self._db.cursor()) as cur:
            cur.row_factory = sqlite3.Row
            yield from cur.execute(sql, args)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False)  # used from the event loop thread only
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # durable across a process kill; see module docstring
    return db


def _op_row(op: Operation) -> tuple[Any, ...]:
    before = None if op.before is None else json.dumps(dict(op.before))
    return (op.row_number, op.kind, op.parent_id, op.entity_id, json.dumps(dict(op.fields)), before)


def _outcome_row(op: Operation, out: Outcome) -> tuple[Any, ...]:
    return (
        out.status.value, out.reason, out.error_code, out.http_status, out.trace_id, out.attempts,
        op.row_number, op.kind, op.parent_id, op.entity_id,
    )


def _operation(row: sqlite3.Row) -> Operation:
    before = None if row["before"] is None else json.loads(row["before"])
    return Operation(
        row_number=row["row_number"],
        kind=row["kind"],
        parent_id=row["parent_id"],
        entity_id=row["entity_id"],
        fields=json.loads(row["fields"]),
        before=before,
    )


def _outcome(row: sqlite3.Row) -> Outcome | None:
    if row["status"] is None:
        return None
    return Outcome(
        row_number=row["row_number"],
        status=OutcomeStatus(row["status"]),
        reason=row["reason"],
        error_code=row["error_code"],
        http_status=row["http_status"],
        trace_id=row["trace_id"],
        attempts=row["attempts"],
    )
