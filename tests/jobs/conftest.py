"""Helpers for job tests: input files as users write them, and what the sandbox holds."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

import bulkops
from bulkops.sandbox import Sandbox


def conn(sb: Sandbox) -> bulkops.Connection:
    """The connection a user script would build for this sandbox."""
    return bulkops.connect(sb.base_url, sb.client_id, sb.client_secret)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], *, delimiter: str = ",",
              encoding: str = "utf-8") -> Path:
    """A CSV file as a spreadsheet program saves it."""
    with open(path, "w", newline="", encoding=encoding) as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


csv.field_size_limit(1 << 30)  # reports keep the user's own cells whole, however big


def read_csv(path: Path) -> list[dict[str, str]]:
    """A report, as a list of rows."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


async def edited_export(sb: Sandbox, tmp_path: Path, name: str, chosen: Callable[[dict[str, str]], bool],
                        **cells: str) -> tuple[Path, dict[str, str]]:
    """The first account's export, its first row `chosen` given these `cells`, written as `name`.csv: the file
    and that row (as edited)."""
    await bulkops.export([sb.control.retail_media.account_ids()[0]], tmp_path / "inv.csv", connection=conn(sb))
    rows = read_csv(tmp_path / "inv.csv")
    row = next(r for r in rows if chosen(r))
    row.update(cells)
    header = list(rows[0])
    return write_csv(tmp_path / f"{name}.csv", header, [[r[c] for c in header] for r in rows]), row


def writes(sb: Sandbox) -> int:
    """Write requests the sandbox saw (append, delete, pause, unpause, PUT)."""
    routes = sb.control.stats()["routes"]
    return sum(n for route, n in routes.items()
               if route.startswith("PUT ") or route.endswith(("/append", "/delete", "/pause", "/unpause")))


def line_items(sb: Sandbox, kind: str, status: str | None = None) -> list[str]:
    """Line items of the first account of a kind (and status)."""
    account = sb.control.retail_media.account_ids()[0]
    return [li for li in sb.control.retail_media.line_item_ids(account)
            if sb.control.retail_media.line_item(li)["type"] == kind and (status is None or sb.control.retail_media.line_item(li)["status"] == status)]


def state(sb: Sandbox, ids: Iterable[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """The products of line items, for before/after comparisons."""
    return {li: sb.control.retail_media.products(li) for li in ids}


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in a temporary directory (runs/ lands there)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def answers_lost(run_dir: Path) -> None:
    """The run's journal as a kill -9 leaves it once every request was sent and no answer was seen."""
    with sqlite3.connect(run_dir / "journal.sqlite") as db:
        db.execute("UPDATE ops SET status='unknown', reason=NULL, error_code=NULL, http_status=NULL")
        db.execute("UPDATE meta SET value='\"sending\"' WHERE key='phase'")
        db.execute("DELETE FROM meta WHERE key='reported'")
