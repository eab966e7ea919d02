"""Frozen records shared by every layer: what a row asks for, and what became of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class OutcomeStatus(StrEnum):
    """What finally happened to one input row."""

    SUCCEEDED = "succeeded"
    SKIPPED = "skipped"  # nothing to do (already at target) or not sent on purpose; `reason` says why
    FAILED = "failed"  # invalid input or the API refused it; `reason` carries the API's words
    UNKNOWN = "unknown"  # sent, but no answer was seen (interrupted): `bulkops resume` settles it


class OpKind(StrEnum):
    """The kinds of change a row can ask for."""

    SET_BID = "set-bid"  # promoted product: append (upsert) with bidOverride
    PAUSE = "pause"  # promoted product: pause
    UNPAUSE = "unpause"  # promoted product: unpause
    REMOVE = "remove"  # promoted product: delete from the line item
    UPDATE_LINE_ITEM = "update-line-item"  # auction line item: read, merge, PUT
    SET_SELLER_BID = "set-seller-bid"  # MPO seller-campaign bid (PATCH)
    SET_CAMPAIGN_STATUS = "set-campaign-status"  # Trackier campaign status


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem found in an input row before anything was sent. Never an exception."""

    path: str
    row_number: int  # the line the user sees in the spreadsheet (header = 1)
    column: str | None
    code: str  # stable kebab-case, e.g. "bid-not-numeric"
    message: str

    def __str__(self) -> str:
        where = f"{self.path}, row {self.row_number}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Operation:
    """One change to one entity, born from one input row."""

    row_number: int
    kind: OpKind
    parent_id: str  # the entity the API groups writes by (line item id for products)
    entity_id: str  # the entity changed (SKU id, line item id, seller-campaign id, ...)
    fields: Mapping[str, Any] = field(default_factory=dict)  # wire-neutral target values, e.g. {"bid_override": 1.2}
    before: Mapping[str, Any] | None = None  # values read before the change, when a snapshot was taken


@dataclass(frozen=True, slots=True)
class Chunk:
    """Operations sent in one request: one kind, one parent, at most the API's cap."""

    key: str  # stable across resume: kind, parent and the first row number
    kind: OpKind
    parent_id: str
    operations: tuple[Operation, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one operation (so of one input row)."""

    row_number: int
    status: OutcomeStatus
    reason: str | None = None
    error_code: str | None = None
    http_status: int | None = None
    trace_id: str | None = None
    attempts: int = 0


DEFAULT_API_VERSION = "2026-07"


class Secret:
    """A string that never shows itself: repr() and str() print '***'."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class Connection:
    """Where to send requests, as whom, and how fast."""

    base_url: str
    client_id: str
    client_secret: Secret
    api_version: str = DEFAULT_API_VERSION
    rate: float | None = None  # calls per minute; None = learn from x-ratelimit-* headers
    concurrency: int = 8
