"""The run journal: a SQLite file (WAL) in the run directory that records every planned operation, when it
is handed to the network, and its outcome as soon as it is known, so that reports can always be rebuilt and
`bulkops resume` knows exactly what is left.

An operation's status column tells its story: NULL = not sent yet; ``unknown`` = sent, no answer seen (it may
have been applied: resume reads it back before sending anything again); then the final status.

One process at a time: the journal holds an OS lock on ``run_dir/lock`` for as long as it is open for
writing, which the OS drops when the process dies (kill -9 never leaves a run locked).

Durability: WAL with ``synchronous=NORMAL`` survives the death of the process (kill -9) — only a power cut
can lose the last transactions, and then those operations count as not sent and are read back or sent again.
Until a run begins to send, a new journal is written with ``synchronous=OFF``, which survives the death of the
process as well, but not a power cut: nothing has been sent then, and the run is begun again (staging a million
rows: 1.6 → 1.3 s). `ready_to_send` makes it durable (NORMAL, and everything written so far synced to disk)
before anything leaves.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby, pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any

from filelock import FileLock, Timeout

from bulkops.errors import JournalError
from bulkops.io.writers import whole_numbers
from bulkops.types import Operation, OpRecord, Outcome, OutcomeStatus, RowNote

JOURNAL_NAME = "journal.sqlite"
_STATUSES = {s.value: s for s in OutcomeStatus}
LOCK_NAME = "lock"
_SCHEMA_VERSION = "4"
ROW_SHIFT = 20  # op_id = row_number << ROW_SHIFT | n: a row's operations (up to a million) sit together, in order
Shape = tuple[str | None, str | None, str | None, str | None]  # an operation's fields, before, shown before, after
_SHAPES_KEPT = 100_000  # shapes remembered by id while planning (a million operations share a few thousand)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS shapes (  -- what operations share: a million of them have a few thousand shapes
    shape_id INTEGER PRIMARY KEY,
    fields TEXT NOT NULL, before TEXT,   -- JSON: the values the operation sets, and what it found (or NULL)
    shown_before TEXT, shown_after TEXT  -- its before and after as the results show them
);
CREATE TABLE IF NOT EXISTS ops (
    op_id INTEGER PRIMARY KEY,  -- row_number << ROW_SHIFT | the operation's place among its row's: in row order
    row_number INTEGER NOT NULL,
    kind TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    shape INTEGER NOT NULL,  -- shapes.shape_id
    status TEXT,            -- NULL: not sent yet; 'unknown': sent, no answer seen; then the outcome
    reason TEXT, error_code TEXT, http_status INTEGER, trace_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    result TEXT             -- JSON: what the API answered for this item, when the undo needs it
);
CREATE TABLE IF NOT EXISTS ops_late (  -- planned operations that come before others in row order: moved to ops,
    op_id INTEGER NOT NULL,               -- sorted, once the plan is whole (`plan_whole`)
    row_number INTEGER NOT NULL, kind TEXT NOT NULL, parent_id TEXT NOT NULL, entity_id TEXT NOT NULL,
    shape INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS census (  -- operations planned per (parent, kind), batch by batch, and the first one
    parent_id TEXT NOT NULL, kind TEXT NOT NULL, operations INTEGER NOT NULL, first INTEGER NOT NULL
);
CREATE VIEW IF NOT EXISTS shaped AS  -- operations whole, as they are read
    SELECT o.*, s.fields, s.before, s.shown_before, s.shown_after FROM ops o JOIN shapes s ON s.shape_id = o.shape;
CREATE TABLE IF NOT EXISTS rows (  -- the checked input rows (normalized cells), planned in (grp, row_number) order
    row_number INTEGER PRIMARY KEY, grp TEXT NOT NULL, key TEXT NOT NULL, vals TEXT NOT NULL, baseline TEXT
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
CREATE INDEX IF NOT EXISTS notes_row ON row_notes (row_number);
"""
# Built once the plan is whole (`ready_to_send`): an index built over a million rows at once costs a fraction of
# one kept up row by row while they are planned, and a dry run never needs them. Sending records outcomes by an
# operation's key (row, kind, parent, entity) through `ops_row`; the reports read operations by row through op_id.
_SENDING_INDEXES = """
CREATE UNIQUE INDEX IF NOT EXISTS ops_row ON ops (row_number, kind, parent_id, entity_id);
CREATE INDEX IF NOT EXISTS ops_open ON ops (status) WHERE status IS NULL OR status = 'unknown';
CREATE INDEX IF NOT EXISTS ops_send ON ops (parent_id, kind, op_id);
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
        self._shapes: dict[Shape, int] = {}
        self._shown_by_id: dict[int, tuple[str, str]] = {}
        self._top: int | None = None  # the last op_id of ops, while planning
        self._outcomes = False  # 'outcomes' said in meta, committed (`_has_outcomes`)
        self._grouped: tuple[bool, str] = (True, "")  # staged so far in group order?, and the last group staged

    # -- lifecycle -------------------------------------------------------------------------
    @classmethod
    def create(cls, run_dir: str | Path, meta: Mapping[str, Any]) -> Journal:
        """Start the journal of a new run in `run_dir` (created if needed; must be empty or new)."""
        run_dir = Path(run_dir)
        _usable_dir(run_dir)
        lock = _lock(run_dir)
        try:
            # Built under another name and renamed when whole: nobody ever opens a journal without its tables.
            fresh = run_dir / f"{JOURNAL_NAME}.new"
            for left in _HALF_MADE:  # a run killed while its journal was made (`_never_began`): made again
                (run_dir / left).unlink(missing_ok=True)
            db = _connect(fresh, durable=False)
            db.executescript(_SCHEMA)
            with db:
                db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                               [(k, json.dumps(v)) for k, v in {"schema": _SCHEMA_VERSION, "answered": False,
                                                                 "outcomes": False,
                                                                 **meta}.items()])
            db.close()
            os.replace(fresh, run_dir / JOURNAL_NAME)
            journal = cls(_connect(run_dir / JOURNAL_NAME, durable=False), run_dir, lock)
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
            if run_dir.is_dir() and _never_began(run_dir):
                raise JournalError(str(run_dir), "this run never began: it was stopped while its journal was being"
                                   " made, before anything was read or sent; run the job again with this --run-dir")
            if not run_dir.exists():  # a run stopped in its first moments, before its directory was made
                raise JournalError(str(run_dir), "no such run directory: a run stopped before it made one read and"
                                   " sent nothing; check the path, or run the job again")
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
            raise JournalError(str(self.run_dir), f"journal schema {schema!r} is not supported by this bulkops (it"
                               f" reads schema {_SCHEMA_VERSION!r}): finish this run with the bulkops that began it")

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
        """Record planned operations (not sent yet), as one batch's plan (`record_plan`)."""
        operations = list(operations)
        ids = self.shapes([(encode(op.fields), encode(op.before), None, None) for op in operations])
        self.record_plan([], [(*_key(op), shape) for op, shape in zip(operations, ids, strict=True)])

    def shapes(self, shapes: Sequence[Shape]) -> list[int]:
        """The ids of operations' shapes: (fields and before `encode`d, how the results show before and after).
        Those not known yet are added (and kept, even if the plan that asked for them is not: nothing reads a shape
        but its operations)."""
        known = self._shapes
        missing = list(dict.fromkeys(s for s in shapes if s not in known))
        if missing:
            if len(known) + len(missing) > _SHAPES_KEPT:  # forgotten, but for this call's
                kept = {s: known[s] for s in shapes if s in known}
                known.clear()
                known.update(kept)
            with self._writing():
                for shape in missing:
                    cursor = self._db.execute("INSERT INTO shapes (fields, before, shown_before, shown_after)"
                                              " VALUES (?, ?, ?, ?)", shape)
                    known[shape] = int(cursor.lastrowid or 0)
        return [known[s] for s in shapes]

    def record_plan(self, notes: Iterable[RowNote], operations: Planned | Iterable[tuple[Any, ...]],
                    through: tuple[str, int] | None = None) -> None:
        """A batch's plan in one transaction: its notes, its operations (`Planned` columns, or rows of row_number,
        kind, parent_id, entity_id and the id of its `shapes`), and how far the staged rows are planned (`through`,
        the batch's last (group, row)): a run killed while planning keeps exactly the batches it finished. A row's
        operations are all in one batch (they are numbered within their row here); planned again, they clash."""
        planned = operations if isinstance(operations, Planned) else Planned.of(list(operations))
        columns, census = planned.journaled()
        ids = columns[0] if columns else []
        late = bool(ids) and self._scattered(ids[0], len(ids))
        try:
            with self._writing():
                self._db.executemany("INSERT INTO row_notes VALUES (?, ?, ?, ?, ?)",
                                     ((n.row_number, n.status.value, n.column, n.code, n.message) for n in notes))
                _insert(self._db, _INSERT_LATE if late else _INSERT_OP, columns)
                self._db.executemany("INSERT INTO census VALUES (?, ?, ?, ?)", census)
                if through is not None:
                    self._db.execute("INSERT OR REPLACE INTO meta VALUES ('planned_through', ?)",
                                     (json.dumps(through),))
        except BaseException:
            self._top = None
            raise
        if ids and not late:
            self._top = max(self._top or -1, ids[-1])

    def _scattered(self, first: int, size: int) -> bool:
        """Would a batch of operations from op_id `first` on land among more than `size` others already in ops?
        Then it waits in ops_late: a shuffled sheet's batches, inserted among the others, would each rewrite every
        page of ops. A sheet in line-item order (or nearly: an export's line items interleave) lands at the end."""
        if self._top is None:
            self._top = int(self._read("SELECT COALESCE(MAX(op_id), -1) FROM ops")[0][0])
        if first > self._top:
            return False
        among = self._read("SELECT COUNT(*) FROM (SELECT 1 FROM ops WHERE op_id >= ? LIMIT ?)", (first, size + 1))
        return int(among[0][0]) > size

    def plan_whole(self) -> None:
        """The plan is complete: the operations planned out of row order take their place among the others, in
        the transaction that says so (sorted first: the pages of ops are each written once)."""
        with self._writing():
            self._db.execute(f"INSERT INTO ops ({_OP_COLUMNS}) SELECT {_OP_COLUMNS} FROM ops_late ORDER BY op_id")
            self._db.execute("DELETE FROM ops_late")
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('phase', ?)", (json.dumps("planned"),))
        self._top = None

    def ready_to_send(self) -> None:
        """Build the indexes that sending reads by (once the plan is whole; a no-op when they are there), and make
        the journal durable (see the module docstring): from here on, what it says was sent must outlive a power
        cut."""
        with self._writing():
            self._db.executescript(_SENDING_INDEXES)
            # something for the checkpoint below to copy, always: copying is what syncs the database file, and
            # with it whatever this or an earlier process wrote unsynced (never a second descriptor of the file:
            # closing one would drop SQLite's locks on it)
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('durable_since', ?)", (json.dumps(time.time()),))
        try:
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA wal_checkpoint(FULL)").fetchall()
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.run_dir, exc) from None

    # -- staging (the checked input, waiting to be planned) ---------------------------------------------
    def restart_staging(self) -> None:
        """Forget a staging that did not finish (its notes too: nothing was planned yet)."""
        with self._writing():
            for index in ("rows_keys", "rows_key", "rows_grp"):
                self._db.execute(f"DROP INDEX IF EXISTS {index}")
            self._db.execute("DELETE FROM rows")
            self._db.execute("DELETE FROM row_notes")
            self._db.execute("DELETE FROM meta WHERE key IN ('planned_through', 'grouped')")
        self._grouped = (True, "")

    def stage(self, columns: Sequence[Sequence[Any]], notes: Iterable[RowNote]) -> None:
        """Checked rows, as five columns (row_number, group, key, normalized cells, baseline), and the notes of the
        others."""
        with self._writing():
            _insert(self._db, "INSERT INTO rows (row_number, grp, key, vals, baseline) VALUES ", columns)
            self._db.executemany("INSERT INTO row_notes VALUES (?, ?, ?, ?, ?)",
                                 ((n.row_number, n.status.value, n.column, n.code, n.message) for n in notes))
        groups = columns[1] if columns else ()
        if self._grouped[0] and groups:  # (str order is SQLite's: code points, as UTF-8's bytes)
            ordered = self._grouped[1] <= groups[0] and all(a <= b for a, b in pairwise(groups))
            self._grouped = (ordered, groups[-1])

    def settle_duplicates(self, describe: Any, same: Callable[[str, str], bool] | None = None,
                          between: Callable[[], None] | None = None) -> int:
        """Rows sharing a key: exact repeats are skipped (done once), rows with other values all fail (no one can
        tell which was meant). `same(vals, other)` says whether two rows' cells are the same values written two
        ways (1.50 and 1.5): such rows are repeats too. `describe(key, row, numbers)` words the conflict of `row`,
        one of the rows `numbers` (in order) sharing `key`. Returns the rows settled.

        The rows sharing a key are read in key order, one key at a time, and their notes written in batches: a
        sheet of a million rows that are nearly all repeats or conflicts settles in memory that grows with its
        largest key's rows, not with the sheet. `between` is called after each batch (the index builds and each
        key's rows come before it): what it raises (a Ctrl-C's cancellation) undoes the whole settling."""
        with self._writing():
            # rows staged in group order (a sheet sorted by line item, as exports are) are planned in row order,
            # which is group order then: no index by group to build (a million rows: 0.5 s), nor to read through
            grouped = self._grouped[0]
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('grouped', ?)", (json.dumps(grouped),))
            by_group = "" if grouped else "CREATE INDEX IF NOT EXISTS rows_grp ON rows (grp, row_number)"
            try:  # nearly always: no key twice, said by an index built anyway (a pass over it would cost a third more)
                self._db.execute("CREATE UNIQUE INDEX IF NOT EXISTS rows_keys ON rows (key)")
            except sqlite3.IntegrityError:
                pass
            else:
                if by_group:
                    self._db.execute(by_group)
                return 0
            self._db.execute("CREATE INDEX IF NOT EXISTS rows_key ON rows (key, row_number, vals)")
            shared = self._db.execute(
                "SELECT r.key, r.row_number, r.vals FROM rows r JOIN (SELECT key FROM rows GROUP BY key"
                " HAVING COUNT(*) > 1) d ON r.key = d.key ORDER BY r.key, r.row_number")
            settled = 0
            notes: list[tuple[Any, ...]] = []
            for key, group in groupby(shared, key=lambda r: r[0]):
                members = [(n, vals) for _, n, vals in group]  # one key's rows (a few, nearly always)
                (first, first_vals), rest = members[0], members[1:]
                if all(vals == first_vals or (same is not None and same(first_vals, vals)) for _, vals in rest):
                    notes += [(n, OutcomeStatus.SKIPPED.value, None, "duplicate",
                               f"same as row {first}; done once" if vals == first_vals else
                               f"same as row {first} (the same values, written another way); done once")
                              for n, vals in rest]
                else:
                    numbers = [n for n, _ in members]
                    notes += [(n, OutcomeStatus.FAILED.value, None, "duplicate-conflict", describe(key, n, numbers))
                              for n in numbers]
                if len(notes) >= _NOTES_BATCH:  # row_notes is not read above: written to while it runs
                    settled += len(notes)
                    self._db.executemany("INSERT INTO row_notes VALUES (?, ?, ?, ?, ?)", notes)
                    notes.clear()
                    if between is not None:
                        between()
            settled += len(notes)
            self._db.executemany("INSERT INTO row_notes VALUES (?, ?, ?, ?, ?)", notes)
            # rows is, so its settled rows go once the reading is over (no staged row had a note before)
            self._db.execute("DELETE FROM rows WHERE row_number IN (SELECT row_number FROM row_notes"
                             " WHERE code IN ('duplicate', 'duplicate-conflict'))")
            if by_group:
                self._db.execute(by_group)
        return settled

    def staged(self, batch_rows: int) -> Iterator[tuple[list[tuple[int, str, str, str | None]], tuple[str, int]]]:
        """Rows not planned yet, (row_number, group, cells, baseline), in batches of whole groups of about
        `batch_rows` (a bigger group is a batch of its own), each with its last (group, row): what `record_plan`
        is told once the batch is planned."""
        batch: list[tuple[int, str, str, str | None]] = []
        last = self._planned_through()
        after = self._after()
        while True:  # keyset pages: no cursor stays open while the caller writes to the journal
            page = self._read(f"SELECT row_number, grp, vals, baseline FROM rows WHERE {after} LIMIT 20000",
                              last[1:] if after.startswith("row_number") else last)
            if not page:
                break
            batch += page
            last = (page[-1][1], page[-1][0])
            while len(batch) > batch_rows:
                cut = _group_start(batch, batch_rows)
                if cut is None:
                    break
                done, batch = batch[:cut], batch[cut:]
                yield done, (done[-1][1], done[-1][0])
        if batch:
            yield batch, (batch[-1][1], batch[-1][0])

    def staged_count(self) -> int:
        """Rows waiting to be planned."""
        last, after = self._planned_through(), self._after()
        return int(self._read(f"SELECT COUNT(*) FROM rows WHERE {after}",
                              last[1:] if after.startswith("row_number") else last)[0][0])

    def _after(self) -> str:
        """The rows after a (group, row), in planning order: by row where they were staged in group order (a
        journal that does not say so: by group)."""
        if self._read("SELECT value FROM meta WHERE key='grouped'") == [("true",)]:
            return "row_number > ? ORDER BY row_number"
        return "(grp, row_number) > (?, ?) ORDER BY grp, row_number"

    def _planned_through(self) -> tuple[str, int]:
        found = self._read("SELECT value FROM meta WHERE key='planned_through'")
        if not found:
            return "", -1
        group, row = json.loads(found[0][0])
        return str(group), int(row)

    # -- execution -------------------------------------------------------------------------
    def mark_sent(self, operations: Iterable[Operation]) -> None:
        """Operations about to be handed to the network: from now on their outcome is unknown until recorded."""
        with self._writing():
            self._db.executemany("UPDATE ops SET status='unknown' WHERE row_number=? AND kind=? AND parent_id=?"
                                 " AND entity_id=? AND (status IS NULL OR status='unknown')",
                                 (_key(op) for op in operations))
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('last_sent_at', ?)", (repr(time.time()),))  # JSON
            self._has_outcomes()
        self._outcomes = True

    def last_sent_at(self) -> float | None:
        """When operations were last handed to the network (seconds since the epoch), by any process of the run."""
        found = self._read("SELECT value FROM meta WHERE key='last_sent_at'")
        return float(json.loads(found[0][0])) if found else None

    def mark_unsent(self, operations: Iterable[Operation]) -> None:
        """Operations that never reached the API after all (the connection could not be made)."""
        with self._writing():
            self._unsent(operations)

    def record(self, results: Iterable[tuple[Operation, Outcome]]) -> None:
        """Record outcomes as soon as they are known (one transaction per call)."""
        with self._writing():
            said = self._record(results)
        self._outcomes |= said

    def settle(self, results: Sequence[tuple[Operation, Outcome]], seconds: tuple[str, str, int, float]) -> None:
        """A request settled, in one transaction: the outcomes it gave, its operations that never reached the API
        (PENDING: unsent again), and how long it took (parent, kind, operations, seconds)."""
        with self._writing():
            said = self._record((op, out) for op, out in results if out.status is not OutcomeStatus.PENDING)
            self._unsent(op for op, out in results if out.status is OutcomeStatus.PENDING)
            self._db.execute("INSERT INTO chunk_times VALUES (?, ?, ?, ?)", seconds)
        self._outcomes |= said

    def _unsent(self, operations: Iterable[Operation]) -> None:
        self._db.executemany("UPDATE ops SET status=NULL WHERE row_number=? AND kind=? AND parent_id=?"
                             " AND entity_id=? AND status='unknown'", (_key(op) for op in operations))

    def _record(self, results: Iterable[tuple[Operation, Outcome]]) -> bool:
        """In the caller's transaction; whether it said 'outcomes' (once it commits, `_outcomes` may say so)."""
        rows = [_outcome_row(op, out) for op, out in results]
        if rows:
            self._has_outcomes()
        self._db.executemany(
            "UPDATE ops SET status=?, reason=?, error_code=?, http_status=?, trace_id=?,"
            " attempts=attempts+?, result=COALESCE(?, result)"
            " WHERE row_number=? AND kind=? AND parent_id=? AND entity_id=?", rows)
        if any(row[_RESULT_AT] is not None for row in rows):  # the reports read answers only where there are some
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('answered', 'true')")
        return bool(rows)

    def _has_outcomes(self) -> None:
        """Say, in the caller's transaction, that some operation has a status: until then the reports read the
        operations' keys alone. Said until a transaction saying it has committed (a rolled back one said nothing)."""
        if not self._outcomes:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('outcomes', 'true')")

    def add_timeline(self, rows: Iterable[tuple[int, str, int, int, int, int]]) -> None:
        """(second, phase, requests, retries, 429s, errors) of the run, added to what is there."""
        with self._writing():
            self._db.executemany(
                "INSERT INTO timeline VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (second, phase) DO UPDATE SET"
                " requests=requests+excluded.requests, retries=retries+excluded.retries,"
                " rate_limited=rate_limited+excluded.rate_limited, errors=errors+excluded.errors", rows)

    def pending(self, kinds: Sequence[str] | None = None) -> Iterator[Operation]:
        """Operations not sent yet (of these kinds, or all), sorted by parent and kind (so a streaming chunker
        makes the fewest requests), read page by page: memory stays flat, and no cursor stays open while
        outcomes are recorded."""
        last: tuple[Any, ...] = ("", "", -1)
        only = f" AND kind IN ({', '.join('?' * len(kinds))})" if kinds is not None else ""
        while True:
            # `+status`: walk ops_send in order; by ops_open, each page would sort every operation not sent yet
            page = self._rows_list(f"SELECT * FROM shaped WHERE +status IS NULL{only} AND (parent_id, kind, op_id)"
                                   " > (?, ?, ?) ORDER BY parent_id, kind, op_id LIMIT 5000",
                                   (*(kinds or ()), *last))
            if not page:
                return
            for row in page:
                yield _operation(row)
            last = (page[-1]["parent_id"], page[-1]["kind"], page[-1]["op_id"])

    def groups(self) -> Iterator[tuple[Operation, int]]:
        """Per (parent, kind), in sending order: its first operation and how many operations it has (for the
        reports, from the census: nothing is written meanwhile)."""
        heads = self._rows("SELECT o.*, c.n FROM (SELECT parent_id, kind, SUM(operations) AS n, MIN(first) AS first"
                           " FROM census GROUP BY parent_id, kind) c JOIN shaped o ON o.op_id = c.first"
                           " ORDER BY c.parent_id, c.kind")
        for row in heads:
            yield _operation(row), int(row["n"])

    def planned(self) -> dict[str, int]:
        """Operations planned per kind (from the census: no pass over the operations)."""
        return {k: int(n) for k, n in self._read("SELECT kind, SUM(operations) FROM census GROUP BY kind")}

    def unsent_rows(self, limit: int) -> list[int]:
        """The first `limit` rows (in row order) with an operation not sent yet."""
        rows: list[int] = []
        last = -1
        while len(rows) < limit:
            page = self._read("SELECT op_id, row_number FROM ops WHERE status IS NULL AND op_id > ? ORDER BY op_id"
                              " LIMIT 1000", (last,))
            if not page:
                break
            rows += [r for r in dict.fromkeys(row for _, row in page) if r not in rows]
            last = page[-1][0]
        return rows[:limit]

    def pending_count(self) -> tuple[int, int]:
        """(operations, distinct rows) not sent yet."""
        ops, rows = self._read("SELECT COUNT(*), COUNT(DISTINCT row_number) FROM ops WHERE status IS NULL")[0]
        return int(ops), int(rows)

    def records(self, *, statuses: tuple[str, ...] | None = None, sorted_for_sending: bool = False,
                page: int = 5000) -> Iterator[OpRecord]:
        """Operations with their outcomes, page by page (by planning order, or by parent and kind)."""
        where = "" if statuses is None else f" AND status IN ({','.join('?' * len(statuses))})"
        args: tuple[Any, ...] = tuple(statuses or ())
        order = ("parent_id", "kind", "op_id") if sorted_for_sending else ("op_id",)
        last: tuple[Any, ...] = ("", "", -1) if sorted_for_sending else (-1,)
        keys = ", ".join(order)
        while True:
            rows = self._rows_list(f"SELECT * FROM shaped WHERE ({keys}) > ({', '.join('?' * len(order))}){where}"
                                   f" ORDER BY {keys} LIMIT {page}", (*last, *args))
            if not rows:
                return
            for row in rows:
                yield OpRecord(_operation(row), _outcome(row))
            last = tuple(rows[-1][k] for k in order)

    def pieces(self, low: int, high: int) -> tuple[list[RowNote], list[tuple[Any, ...]], Mapping[int, tuple[str, str]]]:
        """The notes and the operations of rows low..high, in row order: each operation as `outcomes.PIECE` but
        for its last two (how it is shown), which are its shape's id, then, in a run where the API answered with
        something to keep (a created budget's id), that answer (`result`, JSON or None); and how those shapes are
        shown (before, after). In a run where no operation has a status yet (a dry run; a run stopped before it
        sent), an operation is (row_number, parent_id, shape) alone: the rest would be blanks (a third of the
        time a dry run's reports take), and `outcomes.widened` makes it whole.
        """
        notes = [RowNote(r[0], _STATUSES[r[1]], r[2], r[3], r[4]) for r in self._read(
            "SELECT row_number, status, column_name, code, message FROM row_notes WHERE row_number BETWEEN ? AND ?"
            " ORDER BY row_number, rowid", (low, high))]
        # statuses and answers (a created budget's id) are read only where there may be some: a journal made
        # before these flags may have any
        flags = dict(self._read("SELECT key, value FROM meta WHERE key IN ('answered', 'outcomes')"))
        if flags.get("outcomes") == "false":
            columns = "row_number, parent_id, shape"
        else:
            columns = "row_number, parent_id, status, reason, error_code, http_status, trace_id, attempts, shape" + \
                (", result" if flags.get("answered") != "false" else "")
        ops = self._read(f"SELECT {columns} FROM ops WHERE op_id BETWEEN ? AND ? ORDER BY op_id",
                         (low << ROW_SHIFT, ((high + 1) << ROW_SHIFT) - 1))
        return notes, ops, self._shown({op[-1 if len(op) == 3 else 8] for op in ops})

    def _shown(self, ids: set[int]) -> Mapping[int, tuple[str, str]]:
        """How these shapes are shown (before, after), read once per journal (a million operations share a few)."""
        known = self._shown_by_id
        missing = sorted(ids - known.keys())
        if len(known) + len(missing) > _SHAPES_KEPT:
            known.clear()
            missing = sorted(ids)
        for i in range(0, len(missing), 10_000):
            part = missing[i:i + 10_000]
            known.update((r[0], (r[1] or "", r[2] or "")) for r in self._read(
                "SELECT shape_id, shown_before, shown_after FROM shapes WHERE shape_id IN"
                f" ({','.join('?' * len(part))})", tuple(part)))
        return known

    def unknown(self) -> Iterator[Operation]:
        """Operations sent with no answer seen: they may have been applied."""
        for row in self._rows("SELECT * FROM shaped WHERE status = ? ORDER BY op_id", (OutcomeStatus.UNKNOWN.value,)):
            yield _operation(row)

    def operations(self) -> Iterator[OpRecord]:
        """Every operation with its outcome, in planning order (read page by page)."""
        yield from self.records()

    def notes(self, status: OutcomeStatus | None = None, page: int = 5000) -> Iterator[RowNote]:
        """Every row settled before sending (or those with this status), in row order, read page by page."""
        last = (-1, -1)
        where = "" if status is None else f" AND status = '{OutcomeStatus(status).value}'"
        while True:
            rows = self._read("SELECT row_number, rowid, status, column_name, code, message FROM row_notes"
                              f" WHERE (row_number, rowid) > (?, ?){where} ORDER BY row_number, rowid LIMIT ?",
                              (*last, page))
            if not rows:
                return
            for r in rows:
                yield RowNote(r[0], _STATUSES[r[2]], r[3], r[4], r[5])
            last = (rows[-1][0], rows[-1][1])

    def timeline(self) -> list[tuple[int, str, int, int, int, int]]:
        """The run's requests per second, in order."""
        return [tuple(r) for r in self._read("SELECT * FROM timeline ORDER BY second, phase")]

    def chunk_times(self) -> list[tuple[str, str, int, float]]:
        """Every settled request's parent, kind, size and seconds."""
        return [tuple(r) for r in self._read("SELECT * FROM chunk_times")]

    def top_errors(self, limit: int = 5) -> list[dict[str, Any]]:
        """Why rows failed, most frequent first: code, how many, and the first such row with its message. Rows whose
        answer is not known yet are not among them: they are not failed (resume reads them back)."""
        found = self._read(
            "SELECT code, COUNT(*), MIN(row_number), message FROM row_notes WHERE status = 'failed' GROUP BY code"
            " UNION ALL SELECT COALESCE(error_code, 'error'), COUNT(*), MIN(row_number), reason FROM ops"
            " WHERE status = 'failed' GROUP BY COALESCE(error_code, 'error')")
        merged: dict[str, dict[str, Any]] = {}
        for code, count, row, message in found:  # a code can be both a check's and the API's
            seen = merged.setdefault(code, {"code": code, "count": 0, "example_row": row, "example": message or ""})
            seen["count"] += count
            if row < seen["example_row"]:
                seen["example_row"], seen["example"] = row, message or ""
        return sorted(merged.values(), key=lambda e: (-e["count"], e["code"]))[:limit]

    def noted_for(self, code: str) -> int:
        """Rows settled before sending for one reason (`code` of their note): "changed-since-export" are the user's
        edits not sent."""
        return int(self._read("SELECT COUNT(DISTINCT row_number) FROM row_notes WHERE code = ?", (code,))[0][0])

    def tally(self) -> dict[tuple[str, str], int]:
        """Operations per (kind, status) ('pending' for not sent yet), in one pass."""
        return {(k, st): n for k, st, n in self._read("SELECT kind, COALESCE(status, 'pending'), COUNT(*) FROM ops"
                                                      " GROUP BY 1, 2")}

    def counts(self) -> dict[str, int]:
        """Operations per status ('pending' for not sent yet)."""
        found = dict(self._read("SELECT COALESCE(status, 'pending'), COUNT(*) FROM ops GROUP BY 1"))
        late = int(self._read("SELECT COUNT(*) FROM ops_late")[0][0])  # planned, still out of row order
        if late:
            found["pending"] = found.get("pending", 0) + late
        return found

    # -- plumbing --------------------------------------------------------------------------
    def _writing(self) -> Any:
        return _Guard(self._db, self.run_dir)

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.run_dir, exc) from None

    def _rows_list(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        try:
            with closing(self._db.cursor()) as cur:
                cur.row_factory = sqlite3.Row
                return cur.execute(sql, args).fetchall()
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


def _group_start(batch: list[tuple[int, str, str, str | None]], at_least: int) -> int | None:
    """The first row at or after `at_least` that starts a group (None: the group goes on past the batch)."""
    for i in range(max(at_least, 1), len(batch)):
        if batch[i][1] != batch[i - 1][1]:
            return i
    return None


def _usable_dir(run_dir: Path) -> None:
    """A new run's directory: new, or empty. A run already there is for resume; anything else is the user's."""
    if run_dir.exists() and not run_dir.is_dir():
        raise JournalError(str(run_dir), "is a file, not a directory; choose another --run-dir")
    if is_run_dir(run_dir):
        ended = _ended(run_dir)
        if ended:
            raise JournalError(str(run_dir), f"already holds {ended}: its reports are there; choose another --run-dir")
        raise JournalError(str(run_dir), f"already holds a run; finish it with `bulkops resume {run_dir}` or choose"
                           " another --run-dir")
    if run_dir.is_dir() and any(run_dir.iterdir()) and not _never_began(run_dir):
        raise JournalError(str(run_dir), "is not empty and holds no bulkops run: its files are left alone; choose a"
                           " new or empty --run-dir")
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        probe = run_dir / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise JournalError(str(run_dir), f"cannot be written ({exc.strerror or exc})") from None


def _ended(run_dir: Path) -> str:
    """'a dry run' or 'a finished run' when the run there has nothing to resume ('' otherwise, or when its journal
    cannot be read without waiting): said instead of pointing at resume, which would only say so."""
    try:
        path = f"{(run_dir / JOURNAL_NAME).absolute().as_uri()}?mode=ro"  # a relative path has no URI
        with closing(sqlite3.connect(path, uri=True, timeout=0.1)) as db:
            meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta WHERE key IN"
                                                            " ('dry_run', 'phase', 'reported')")}
            open_ops = db.execute("SELECT COUNT(*) FROM ops WHERE status IS NULL OR status = 'unknown'").fetchone()[0]
    except (sqlite3.Error, ValueError):
        return ""
    if meta.get("dry_run"):
        return "a dry run" if meta.get("phase") not in ("checking", "planning") else ""
    return "a finished run" if meta.get("phase") == "done" and meta.get("reported") and not open_ops else ""


# What a run leaves when it is killed while its journal is being made (before the rename that makes it a run):
# the journal under its building name, SQLite's files beside it, the lock, the write probe.
_HALF_MADE = tuple(f"{JOURNAL_NAME}.new{end}" for end in ("", "-journal", "-wal", "-shm"))


def _never_began(run_dir: Path) -> bool:
    """A directory holding only what a run killed while its journal was being made leaves (nothing was read or
    sent): a new run may take it, and resume says so."""
    names = {p.name for p in run_dir.iterdir()}
    return bool(names) and names <= {*_HALF_MADE, LOCK_NAME, "lock.pid", ".write-test"}


def _lock(run_dir: Path) -> FileLock:
    """The run's lock; a second process gets the pid of the first."""
    lock = FileLock(str(run_dir / LOCK_NAME), timeout=0, is_singleton=False)
    pid_file = run_dir / "lock.pid"
    try:
        lock.acquire()
    except Timeout:
        holder = _holder(pid_file)
        who = f"pid {holder}" if holder else "another process"
        raise JournalError(str(run_dir), f"is in use by {who} (another bulkops is running this run);"
                           " wait for it, or stop it first") from None
    except OSError as exc:
        raise JournalError(str(run_dir), f"cannot be locked ({exc.strerror or exc})") from None
    fresh = pid_file.with_name(f"{pid_file.name}.{os.getpid()}")
    fresh.write_text(str(os.getpid()), encoding="utf-8")
    os.replace(fresh, pid_file)  # whole or not there: a reader never sees it half written
    return lock


def _holder(pid_file: Path, wait_s: float = 1.0) -> str | None:
    """The pid of the process holding a run's lock, as its pid file says once it has written it (it took the lock
    a moment ago: a second bulkops started with it gets there first); None if no live one is said in time."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            pid = int(pid_file.read_text(encoding="utf-8").strip())
            if os.name != "nt":  # (there, it would end the process)
                os.kill(pid, 0)
        except (OSError, ValueError):
            pid = None
        if pid is not None or time.monotonic() >= deadline:
            return None if pid is None else str(pid)
        time.sleep(0.05)


def _connect(path: Path, *, durable: bool = True) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(path, check_same_thread=False)  # used from the event loop thread only
        db.execute("PRAGMA journal_mode=WAL")
        # both survive a process kill; OFF only until the run sends (see module docstring)
        db.execute(f"PRAGMA synchronous={'NORMAL' if durable else 'OFF'}")
    except sqlite3.DatabaseError as exc:
        raise _damaged(path.parent, exc) from None
    return db


def _key(op: Operation) -> tuple[Any, ...]:
    return (op.row_number, op.kind, op.parent_id, op.entity_id)


_OP_COLUMNS = "op_id, row_number, kind, parent_id, entity_id, shape"
_INSERT_OP = f"INSERT INTO ops ({_OP_COLUMNS}) VALUES "
_INSERT_LATE = f"INSERT INTO ops_late ({_OP_COLUMNS}) VALUES "


@dataclass(frozen=True, slots=True)
class Planned:
    """A batch's operations column by column (pyarrow arrays of one length): each one's row, kind, parent, entity
    and shape (`Journal.shapes`)."""

    numbers: Any
    kinds: Any
    parents: Any
    entities: Any
    shapes: Any

    @classmethod
    def of(cls, rows: Sequence[tuple[int, str, str, str, int]]) -> Planned:
        """From rows of (row_number, kind, parent_id, entity_id, shape)."""
        import pyarrow as pa  # noqa: PLC0415

        columns = [[r[i] for r in rows] for i in range(5)]
        numbers, kinds, parents, entities, shapes = columns
        return cls(whole_numbers(numbers), pa.array(kinds, pa.string()), pa.array(parents, pa.string()),
                   pa.array(entities, pa.string()), whole_numbers(shapes))

    def __len__(self) -> int:
        return len(self.numbers)

    def journaled(self) -> tuple[list[list[Any]], list[tuple[str, str, int, int]]]:
        """The journal's columns (op_id first: its row's, and its place among its row's operations), sorted by
        op_id; and the census of the batch: (parent_id, kind, operations, first op_id). Made by pyarrow, not row
        by row."""
        if not len(self):
            return [], []
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.compute as pc  # noqa: PLC0415

        numbers = whole_numbers(self.numbers)
        table = pa.table({"row_number": numbers, "kind": self.kinds, "parent_id": self.parents,
                          "entity_id": self.entities, "shape": whole_numbers(self.shapes)})
        if pc.count_distinct(numbers).as_py() == len(numbers):  # one operation a row: nearly always
            table = table.take(pc.sort_indices(numbers))
            ids = pc.shift_left(table.column("row_number"), ROW_SHIFT)
        else:  # a row of several operations (a SKU paused on every line item): numbered in its row, by line item,
            # not in the order the line items' reads came back in: a resumed run shows a row as a whole one does
            table = table.take(pc.sort_indices(table, [(c, "ascending") for c in ("row_number", "parent_id", "kind",
                                                                                 "entity_id")]))
            ids = pa.array(_op_ids(table.column("row_number").to_pylist()), pa.int64())
        table = table.add_column(0, "op_id", ids)
        census = table.group_by(["parent_id", "kind"], use_threads=False).aggregate(
            [("op_id", "count"), ("op_id", "min")])
        counted = (census.column(n).to_pylist() for n in ("parent_id", "kind", "op_id_count", "op_id_min"))
        return [c.to_pylist() for c in table.columns], list(zip(*counted, strict=True))


def _op_ids(numbers: Iterable[int]) -> list[int]:
    """The op_id of each operation of these rows (given by row number, a row's in the order they come): its row's,
    and its place among that row's operations."""
    seen: dict[int, int] = {}
    ids = []
    for number in numbers:
        n = seen[number] = seen.get(number, -1) + 1
        if n >> ROW_SHIFT:
            raise ValueError(f"row {number}: more than {1 << ROW_SHIFT} operations")
        ids.append((number << ROW_SHIFT) | n)
    return ids


_NOTES_BATCH = 10_000  # duplicate notes written at once
_PER_INSERT = 500  # rows per INSERT statement: a statement per row costs most of the time a row takes to insert


def _insert(db: sqlite3.Connection, head: str, columns: Sequence[Sequence[Any]]) -> None:
    """Insert rows given as columns of equal length, _PER_INSERT rows to a statement (`head` ends with VALUES): a
    million operations go in in a third of the time one statement per row takes. The statements' values are laid
    out by slice assignment, column by column, in C: no tuple per row (a quarter less time than rows of tuples)."""
    width, size = len(columns), len(columns[0]) if columns else 0
    if any(len(c) != size for c in columns):  # interleaved below: a short column would shift every row
        raise ValueError(f"{head}...: columns of unequal length")
    if not size:
        return
    flat: list[Any] = [None] * (size * width)
    for i, column in enumerate(columns):
        flat[i::width] = column
    one = f"({', '.join('?' * width)})"
    whole, step = size - size % _PER_INSERT, _PER_INSERT * width
    if whole:
        db.executemany(head + ", ".join([one] * _PER_INSERT), (flat[i:i + step] for i in range(0, whole * width, step)))
    if whole < size:
        db.execute(head + ", ".join([one] * (size - whole)), flat[whole * width:])


def encode(values: Mapping[str, Any] | None) -> str | None:
    """An operation's fields or before as the journal keeps them (JSON; None stays None)."""
    return None if values is None else json.dumps(dict(values))


_RESULT_AT = 6  # where `_outcome_row` puts the answer to keep


def _outcome_row(op: Operation, out: Outcome) -> tuple[Any, ...]:
    result = None if out.result is None else json.dumps(dict(out.result))
    return (out.status.value, out.reason, out.error_code, out.http_status, out.trace_id, out.attempts, result,
            *_key(op))


def _operation(row: sqlite3.Row) -> Operation:
    before = row["before"]
    return Operation(row["row_number"], row["kind"], row["parent_id"], row["entity_id"], _decoded(row["fields"]),
                     None if before is None else _decoded(before), row["attempts"])


@lru_cache(maxsize=4096)
def _decoded(text: str) -> Mapping[str, Any]:
    """Journaled fields or before, read-only: a million operations share a few hundred distinct ones."""
    return MappingProxyType(json.loads(text))


def _outcome(row: sqlite3.Row) -> Outcome | None:
    if row["status"] is None:
        return None
    return Outcome(row_number=row["row_number"], status=_STATUSES[row["status"]], reason=row["reason"],
                   error_code=row["error_code"], http_status=row["http_status"], trace_id=row["trace_id"],
                   attempts=row["attempts"], result=None if row["result"] is None else json.loads(row["result"]))
