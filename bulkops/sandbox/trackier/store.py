"""Trackier tables and queries: advertisers and campaigns, with the cap resets applied lazily by date."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from bulkops.sandbox.store import Store
from bulkops.sandbox.trackier import rules
from bulkops.sandbox.trackier.shapes import timestamp

SCHEMA = """
CREATE TABLE IF NOT EXISTS trackier_advertisers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, currency TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trackier_campaigns (id INTEGER PRIMARY KEY, advertiser_id INTEGER NOT NULL,
    title TEXT NOT NULL, status TEXT NOT NULL, cap_paused_on TEXT, url TEXT NOT NULL, preview_url TEXT NOT NULL,
    description TEXT NOT NULL, currency TEXT NOT NULL, caps TEXT NOT NULL, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS trackier_campaign_status ON trackier_campaigns (status, id);
"""
COLUMNS = ("id", "advertiser_id", "title", "status", "cap_paused_on", "url", "preview_url", "description",
           "currency", "caps", "created_at", "updated_at")
SELECT = ("SELECT c.*, a.name AS advertiser_name FROM trackier_campaigns c"
          " JOIN trackier_advertisers a ON a.id=c.advertiser_id")
CHUNK = 500  # SQLite caps bound parameters


class TrackierStore:
    """Typed Trackier access over the shared store. Call `settle` before reading or writing campaigns."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def settle(self, today: date) -> None:
        """Apply the cap resets due by `today`: campaigns a cap paused on an earlier day are active again."""
        rows = self.store.all("SELECT id, status, cap_paused_on FROM trackier_campaigns"
                              " WHERE status=? AND cap_paused_on IS NOT NULL AND cap_paused_on<?",
                              (rules.PAUSED, today.isoformat()))
        changes = []
        for r in rows:
            facts = facts_of(r)
            reset = rules.cap_reset_day(facts, today)
            if reset is not None:
                after = rules.settle(facts, today)
                at = timestamp(datetime.combine(reset, time(), UTC))
                changes.append((after.status, _day(after.cap_paused_on), at, r["id"]))
        if changes:
            self.store.run_many("UPDATE trackier_campaigns SET status=?, cap_paused_on=?, updated_at=? WHERE id=?",
                                changes)

    def campaign(self, campaign_id: int) -> sqlite3.Row | None:
        """One campaign with its advertiser's name (deleted ones too)."""
        return self.store.one(f"{SELECT} WHERE c.id=?", (campaign_id,))

    def page(self, status: str | None, advertisers: Sequence[int], limit: int,
             offset: int) -> tuple[list[sqlite3.Row], int]:
        """A page of listed campaigns by ascending id, and how many are listed in all."""
        where, args = _filter(status, advertisers)
        total = int(self.store.scalar(f"SELECT COUNT(*) FROM trackier_campaigns c WHERE {where}", args))
        rows = self.store.all(f"{SELECT} WHERE {where} ORDER BY c.id LIMIT ? OFFSET ?", (*args, limit, offset))
        return rows, total

    def existing(self, ids: Iterable[int]) -> set[int]:
        """Which of these campaign ids exist."""
        ids, found = list(ids), set()
        for start in range(0, len(ids), CHUNK):
            part = ids[start:start + CHUNK]
            marks = ",".join("?" * len(part))
            found |= {r["id"] for r in self.store.all(f"SELECT id FROM trackier_campaigns WHERE id IN ({marks})", part)}
        return found

    def set_facts(self, ids: Iterable[int], facts: rules.CampaignFacts, now: str) -> None:
        """Give campaigns a status (and cap day); updatedAt moves only where the status changes."""
        self.store.run_many("UPDATE trackier_campaigns SET updated_at=CASE WHEN status<>? THEN ? ELSE updated_at END,"
                            " status=?, cap_paused_on=? WHERE id=?",
                            ((facts.status, now, facts.status, _day(facts.cap_paused_on), i) for i in ids))

    def update(self, campaign_id: int, values: dict[str, Any]) -> None:
        """Overwrite some columns of a campaign."""
        sets = ", ".join(f"{k}=?" for k in values)
        self.store.run(f"UPDATE trackier_campaigns SET {sets} WHERE id=?", (*values.values(), campaign_id))

    def ids(self) -> list[int]:
        """Every campaign id, ascending (deleted ones too)."""
        return [r["id"] for r in self.store.all("SELECT id FROM trackier_campaigns ORDER BY id")]

    def counts(self) -> dict[str, int]:
        """Campaigns per status."""
        rows = self.store.all("SELECT status, COUNT(*) AS n FROM trackier_campaigns GROUP BY status")
        return {r["status"]: r["n"] for r in rows}


def facts_of(row: sqlite3.Row) -> rules.CampaignFacts:
    """The status facts of a stored campaign."""
    day = row["cap_paused_on"]
    return rules.CampaignFacts(row["status"], date.fromisoformat(day) if day else None)


def _day(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _filter(status: str | None, advertisers: Sequence[int]) -> tuple[str, list[Any]]:
    where = "c.status=?" if status is not None else "c.status<>?"
    args: list[Any] = [status if status is not None else rules.DELETED]
    if advertisers:
        where += f" AND c.advertiser_id IN ({','.join('?' * len(advertisers))})"
        args += advertisers
    return where, args
