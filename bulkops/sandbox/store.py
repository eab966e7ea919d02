"""The sandbox's SQLite database, shared by every API (each adds its own tables)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any


class Store:
    """Thin access to the SQLite database. Calls are short; the event loop can afford them."""

    def __init__(self, path: str = ":memory:") -> None:
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL" if path != ":memory:" else "PRAGMA journal_mode=MEMORY")
        self.db.execute("PRAGMA synchronous=OFF")  # a sandbox: speed over durability

    def create(self, schema: str) -> None:
        """Create tables (an API's schema; idempotent)."""
        self.db.executescript(schema)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def is_empty(self, table: str) -> bool:
        """True while a table holds no row."""
        return self.db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None

    def one(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Row | None:
        """First row of a query, or None."""
        return self.db.execute(sql, args).fetchone()

    def all(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Every row of a query."""
        return self.db.execute(sql, args).fetchall()

    def scalar(self, sql: str, args: Sequence[Any] = ()) -> Any:
        """The single value of a query."""
        return self.db.execute(sql, args).fetchone()[0]

    def run(self, sql: str, args: Sequence[Any] = ()) -> None:
        """One write, committed."""
        with self.db:
            self.db.execute(sql, args)

    def run_many(self, sql: str, rows: Any) -> None:
        """A batch of writes in one transaction."""
        with self.db:
            self.db.executemany(sql, rows)
