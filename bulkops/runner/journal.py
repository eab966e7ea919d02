"""The run journal: a SQLite file (WAL) in the run directory that records every planned operation, when it
is handed to the network, and its outcome as soon as it is known, so that reports can always be rebuilt and
`bulkops resume` knows exactly what is left.

An operation's status column tells its story: NULL = not sent yet; ``unknown`` = sent, no answer seen (it may
have been applied: resume reads it back before sending anything again); then the final status.

One process at a time: the journal holds an OS lock on ``run_dir/lock`` for as long as it is open for
writing, which the OS drops when the process dies (kill -9 never leaves a run locked).

Durability: WAL with ``synchronous=NORMAL`` survives the death of the process (kill -9) — only a power cut
can lose the last transactions, and then those operations count as not sent and are read back or sent again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from bulkops.errors import JournalError
from bulkops.types import Operation, OpRecord, Outcome, OutcomeStatus, RowNote

JOURNAL_NAME = "journal.sqlite"
LOCK_NAME = "lock"
_SCHEMA_VERSION = "2"

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
    status TEXT,            -- NULL: not sent yet; 'unknown': sent, no answer seen; then the outcome
    reason TEXT, error_code TEXT, http_status INTEGER, trace_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    result TEXT,            -- JSON: what the API answered for this item, when the undo needs it
    UNIQUE (row_number, kind, parent_id, entity_id)
);
CREATE TABLE IF NOT EXISTS row_notes (  -- rows settled before sending: invalid, no-op, duplicate
    row_number INTEGER NOT NULL,
    status TEXT NOT NULL,
    column_name TEXT, code TEXT NOT NULL, message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS timeline (  -- requests per second of the run, for the report
    second INTEGER NOT NULL, phase TEXT NOT NULL, requests INTEGER NOT NULL, retries INTEGER NOT NULL,
    rate_limited INTEGER NOT NULL, errors INTEGER NOT NULL, PRIMARY KEY (second, phase)
);
CREATE TABLE IF NOT EXISTS chunk_times (  -- how long each request of the sending phase took to settle
    parent_id TEXT NOT NULL, kind TEXT NOT NULL, operations INTEGER NOT NULL, seconds REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ops_open ON ops (status) WHERE status IS NULL OR status = 'unknown';
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


def is_run_dir(path: Path) -> bool:
    """Does this directory hold a bulkops run?"""
    return (path / JOURNAL_NAME).is_file()


class Journal:
    """Append-mostly record of one run. Open with `create()` or `open()`; close when done."""

    def __init__(self, db: sqlite3.Connection, run_dir: Path, lock: FileLock | None = None) -> None:
        self._db = db
        self.run_dir = run_dir
        self._lock = lock

    # -- lifecycle -------------------------------------------------------------------------
    @classmethod
    def create(cls, run_dir: str | Path, meta: Mapping[str, Any]) -> Journal:
        """Start the journal of a new run in `run_dir` (created if needed; must be empty or new)."""
        run_dir = Path(run_dir)
        _usable_dir(run_dir)
        lock = _lock(run_dir)
        try:
            journal = cls(_connect(run_dir / JOURNAL_NAME), run_dir, lock)
            journal._db.executescript(_SCHEMA)
            journal.set_meta({"schema": _SCHEMA_VERSION, **meta})
        except BaseException:
            lock.release()
            raise
        return journal

    @classmethod
    def open(cls, run_dir: str | Path, *, lock: bool = False) -> Journal:
        """Open the journal of an existing run: to read it, or (`lock=True`) to finish it."""
        run_dir = Path(run_dir)
        path = run_dir / JOURNAL_NAME
        if not path.is_file():
            raise JournalError(str(run_dir), f"no run journal here (expected {JOURNAL_NAME})")
        held = _lock(run_dir) if lock else None
        try:
            journal = cls(_connect(path), run_dir, held)
            journal._check()
        except BaseException:
            if held is not None:
                held.release()
            raise
        return journal

    def _check(self) -> None:
        try:
            schema = self.meta().get("schema")
            if self._db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("quick_check failed")
        except sqlite3.DatabaseError as exc:
            raise JournalError(str(self.run_dir), f"the journal is damaged and cannot be read ({exc}); the"
                               " reports already written are all that is left of this run") from None
        if schema != _SCHEMA_VERSION:
            raise JournalError(str(self.run_dir), f"journal schema {schema!r} is not supported by this bulkops")

    def close(self) -> None:
        """Checkpoint and close the database; let go of the lock."""
        self._db.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- meta ------------------------------------------------------------------------------
    def set_meta(self, values: Mapping[str, Any]) -> None:
        """Store run-level facts (job, input fingerprint, options, phase), JSON-encoded."""
        with self._writing():
            self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                 [(k, json.dumps(v)) for k, v in values.items()])

    def meta(self) -> dict[str, Any]:
        """Every run-level fact."""
        return {k: json.loads(v) for k, v in self._read("SELECT key, value FROM meta")}

    # -- planning --------------------------------------------------------------------------
    def add_notes(self, notes: Iterable[RowNote]) -> None:
        """Record rows settled before sending."""
        with self._writing():
            self._db.executemany("INSERT INTO row_notes VALUES (?, ?, ?, ?, ?)",
                                 ((n.row_number, n.status.value, n.column, n.code, n.message) for n in notes))

    def add_operations(self, operations: Iterable[Operation]) -> None:
        """Record planned operations (not sent yet)."""
        with self._writing():
            self._db.executemany("INSERT INTO ops (row_number, kind, parent_id, entity_id, fields, before)"
                                 " VALUES (?, ?, ?, ?, ?, ?)", (_op_row(op) for op in operations))

    def record_plan(self, notes: Iterable[RowNote], operations: Iterable[Operation]) -> None:
        """The whole plan in one transaction, then phase "planned": a run killed while planning has none of it."""
        with self._writing():
            self._db.executemany("INSERT INTO row_notes VALUES (?, ?, ?, ?, ?)",
                                 ((n.row_number, n.status.value, n.column, n.code, n.message) for n in notes))
            self._db.executemany("INSERT INTO ops (row_number, kind, parent_id, entity_id, fields, before)"
                                 " VALUES (?, ?, ?, ?, ?, ?)", (_op_row(op) for op in operations))
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('phase', ?)", (json.dumps("planned"),))

    # -- execution -------------------------------------------------------------------------
    def mark_sent(self, operations: Iterable[Operation]) -> None:
        """Operations about to be handed to the network: from now on their outcome is unknown until recorded."""
        with self._writing():
            self._db.executemany("UPDATE ops SET status='unknown' WHERE row_number=? AND kind=? AND parent_id=?"
                                 " AND entity_id=? AND (status IS NULL OR status='unknown')",
                                 (_key(op) for op in operations))

    def mark_unsent(self, operations: Iterable[Operation]) -> None:
        """Operations that never reached the API after all (the connection could not be made)."""
        with self._writing():
            self._db.executemany("UPDATE ops SET status=NULL WHERE row_number=? AND kind=? AND parent_id=?"
                                 " AND entity_id=? AND status='unknown'", (_key(op) for op in operations))

    def record(self, results: Iterable[tuple[Operation, Outcome]]) -> None:
        """Record outcomes as soon as they are known (one transaction per call)."""
        with self._writing():
            self._db.executemany(
                "UPDATE ops SET status=?, reason=?, error_code=?, http_status=?, trace_id=?,"
                " attempts=attempts+?, result=COALESCE(?, result)"
                " WHERE row_number=? AND kind=? AND parent_id=? AND entity_id=?",
                (_outcome_row(op, out) for op, out in results))

    def add_timeline(self, rows: Iterable[tuple[int, str, int, int, int, int]]) -> None:
        """(second, phase, requests, retries, 429s, errors) of the run, added to what is there."""
        with self._writing():
            self._db.executemany(
                "INSERT INTO timeline VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (second, phase) DO UPDATE SET"
                " requests=requests+excluded.requests, retries=retries+excluded.retries,"
                " rate_limited=rate_limited+excluded.rate_limited, errors=errors+excluded.errors", rows)

    def add_chunk_times(self, rows: Iterable[tuple[str, str, int, float]]) -> None:
        """(parent, kind, operations, seconds) of settled requests."""
        with self._writing():
            self._db.executemany("INSERT INTO chunk_times VALUES (?, ?, ?, ?)", rows)

    def pending(self) -> Iterator[Operation]:
        """Operations not sent yet, in planning order."""
        for row in self._rows("SELECT * FROM ops WHERE status IS NULL ORDER BY op_id"):
            yield _operation(row)

    def unknown(self) -> Iterator[Operation]:
        """Operations sent with no answer seen: they may have been applied."""
        for row in self._rows("SELECT * FROM ops WHERE status = ? ORDER BY op_id", (OutcomeStatus.UNKNOWN.value,)):
            yield _operation(row)

    def operations(self) -> Iterator[OpRecord]:
        """Every operation with its outcome, in planning order."""
        for row in self._rows("SELECT * FROM ops ORDER BY op_id"):
            yield OpRecord(_operation(row), _outcome(row))

    def notes(self) -> Iterator[RowNote]:
        """Every row settled before sending, in row order."""
        sql = "SELECT row_number, status, column_name, code, message FROM row_notes ORDER BY row_number, rowid"
        for r in self._read(sql):
            yield RowNote(r[0], OutcomeStatus(r[1]), r[2], r[3], r[4])

    def timeline(self) -> list[tuple[int, str, int, int, int, int]]:
        """The run's requests per second, in order."""
        return [tuple(r) for r in self._read("SELECT * FROM timeline ORDER BY second, phase")]

    def chunk_times(self) -> list[tuple[str, str, int, float]]:
        """Every settled request's parent, kind, size and seconds."""
        return [tuple(r) for r in self._read("SELECT * FROM chunk_times")]

    def counts(self) -> dict[str, int]:
        """Operations per status ('pending' for not sent yet)."""
        return dict(self._read("SELECT COALESCE(status, 'pending'), COUNT(*) FROM ops GROUP BY 1"))

    # -- plumbing --------------------------------------------------------------------------
    def _writing(self) -> Any:
        return _Guard(self._db, self.run_dir)

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.run_dir, exc) from None

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> Iterator[sqlite3.Row]:
        try:
            with closing(self._db.cursor()) as cur:
                cur.row_factory = sqlite3.Row
                yield from cur.execute(sql, args)
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.run_dir, exc) from None


class _Guard:
    """A write transaction whose database errors become a JournalError naming the run."""

    def __init__(self, db: sqlite3.Connection, run_dir: Path) -> None:
        self._db, self._run_dir = db, run_dir

    def __enter__(self) -> None:
        self._db.__enter__()

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        self._db.__exit__(kind, exc, tb)
        if isinstance(exc, sqlite3.DatabaseError):
            raise _damaged(self._run_dir, exc) from None


def _damaged(run_dir: Path, exc: Exception) -> JournalError:
    return JournalError(str(run_dir), f"the journal cannot be used ({exc})")


def _usable_dir(run_dir: Path) -> None:
    """A new run's directory: new, or empty. A run already there is for resume; anything else is the user's."""
    if run_dir.exists() and not run_dir.is_dir():
        raise JournalError(str(run_dir), "is a file, not a directory; choose another --run-dir")
    if is_run_dir(run_dir):
        raise JournalError(str(run_dir), f"already holds a run; finish it with `bulkops resume {run_dir}` or choose"
                           " another --run-dir")
    if run_dir.is_dir() and any(run_dir.iterdir()):
        raise JournalError(str(run_dir), "is not empty and holds no bulkops run: its files are left alone; choose a"
                           " new or empty --run-dir")
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        probe = run_dir / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise JournalError(str(run_dir), f"cannot be written ({exc.strerror or exc})") from None


def _lock(run_dir: Path) -> FileLock:
    """The run's lock; a second process gets the pid of the first."""
    lock = FileLock(str(run_dir / LOCK_NAME), timeout=0, is_singleton=False)
    pid_file = run_dir / "lock.pid"
    try:
        lock.acquire()
    except Timeout:
        holder = pid_file.read_text(encoding="utf-8").strip() if pid_file.is_file() else "?"
        raise JournalError(str(run_dir), f"is in use by pid {holder} (another bulkops is running this run);"
                           " wait for it, or stop it first") from None
    except OSError as exc:
        raise JournalError(str(run_dir), f"cannot be locked ({exc.strerror or exc})") from None
    pid_file.write_text(str(os.getpid()), encoding="utf-8")
    return lock


def _connect(path: Path) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(path, check_same_thread=False)  # used from the event loop thread only
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # durable across a process kill; see module docstring
    except sqlite3.DatabaseError as exc:
        raise _damaged(path.parent, exc) from None
    return db


def _key(op: Operation) -> tuple[Any, ...]:
    return (op.row_number, op.kind, op.parent_id, op.entity_id)


def _op_row(op: Operation) -> tuple[Any, ...]:
    before = None if op.before is None else json.dumps(dict(op.before))
    return (*_key(op), json.dumps(dict(op.fields)), before)


def _outcome_row(op: Operation, out: Outcome) -> tuple[Any, ...]:
    result = None if out.result is None else json.dumps(dict(out.result))
    return (out.status.value, out.reason, out.error_code, out.http_status, out.trace_id, out.attempts, result,
            *_key(op))


def _operation(row: sqlite3.Row) -> Operation:
    before = None if row["before"] is None else json.loads(row["before"])
    return Operation(row_number=row["row_number"], kind=row["kind"], parent_id=row["parent_id"],
                     entity_id=row["entity_id"], fields=json.loads(row["fields"]), before=before,
                     attempts=row["attempts"])


def _outcome(row: sqlite3.Row) -> Outcome | None:
    if row["status"] is None:
        return None
    return Outcome(row_number=row["row_number"], status=OutcomeStatus(row["status"]), reason=row["reason"],
                   error_code=row["error_code"], http_status=row["http_status"], trace_id=row["trace_id"],
                   attempts=row["attempts"], result=None if row["result"] is None else json.loads(row["result"]))
