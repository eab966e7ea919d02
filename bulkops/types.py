"""Frozen records shared by every layer: what a row asks for, what became of it, and where requests go.

No platform is named here: an operation's `kind` is a platform's own action name ("set-bid", "pause",
"set-seller-bid" ...), chosen by the platform that plans and sends it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class OutcomeStatus(StrEnum):
    """What finally happened to one input row."""

    SUCCEEDED = "succeeded"
    SKIPPED = "skipped"  # nothing to do (already at target) or not sent on purpose; the message says why
    FAILED = "failed"  # invalid input or the API refused it; the message carries the API's words
    UNKNOWN = "unknown"  # sent, but no answer was seen: it may have been applied; read back to settle it
    PENDING = "pending"  # not sent yet (the run was interrupted, or the API unreachable): resume sends it


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem found in an input row before anything was sent. Never an exception."""

    path: str
    row_number: int  # the line the user sees in the spreadsheet (header = 1)
    column: str | None
    code: str  # stable kebab-case, e.g. "not-a-number"
    message: str

    def __str__(self) -> str:
        where = f"{self.path}, row {self.row_number}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class RowNote:
    """A row settled without sending anything: invalid input, a no-op, a duplicate, a rule the API would refuse."""

    row_number: int
    status: OutcomeStatus  # FAILED (the row cannot be done as written) or SKIPPED (nothing to do)
    column: str | None
    code: str
    message: str

    @classmethod
    def from_error(cls, error: RowError) -> RowNote:
        """A validation error: the row failed and nothing was sent for it."""
        return cls(error.row_number, OutcomeStatus.FAILED, error.column, error.code, str(error))


@dataclass(frozen=True, slots=True)
class Operation:
    """One change to one entity, born from one input row."""

    row_number: int
    kind: str  # the platform's action name, e.g. "set-bid"
    parent_id: str  # what the API groups writes by (a line item for products; "" when nothing)
    entity_id: str  # the entity changed (SKU id, line item id, seller-campaign id, ...)
    fields: Mapping[str, Any] = field(default_factory=dict)  # target values, e.g. {"bid_override": "1.2"}
    before: Mapping[str, Any] | None = None  # values read before the change, when a snapshot was taken
    attempts: int = field(default=0, compare=False)  # times it was sent by earlier processes (from the journal)


@dataclass(frozen=True, slots=True)
class Chunk:
    """Operations sent in one request: one kind, one parent, at most the API's cap."""

    kind: str
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
    result: Mapping[str, Any] | None = None  # what the API answered for this item, when the undo needs it (an id)


@dataclass(frozen=True, slots=True)
class OpRecord:
    """An operation as journaled, with its outcome once known (None = not known)."""

    operation: Operation
    outcome: Outcome | None


@dataclass(frozen=True, slots=True)
class Alike:
    """Operations planned column by column, a million without an object each: operation i is `shared[which[i]]`
    (its kind, fields and before) done for row `numbers[i]` on `entities[i]` of `parents[i]`. The columns are
    pyarrow arrays (or sequences) of one length; `shared` holds one operation per distinct change."""

    numbers: Any
    parents: Any
    entities: Any
    which: Any
    shared: list[Operation]

    def __len__(self) -> int:
        return len(self.numbers)


@dataclass(slots=True)
class Plan:
    """What a platform's planner made of the rows: operations to send, and rows settled without sending."""

    operations: list[Operation] = field(default_factory=list)
    notes: list[RowNote] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # said to the user before anything is sent
    alike: Alike | None = None  # operations planned column by column; they follow `operations`


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
class ClientCredentials:
    """OAuth2 client credentials."""

    client_id: str
    client_secret: Secret


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key sent with every call."""

    key: Secret


Credentials = ClientCredentials | ApiKey


@dataclass(frozen=True, slots=True)
class Connection:
    """Where to send requests, as whom, and how fast, for one platform."""

    platform: str  # the registry name of the platform, e.g. "retail-media"
    base_url: str
    credentials: Credentials
    api_version: str | None = None  # None for an API without versions in its paths
    rate: float | None = None  # calls per minute; None = learn it from the API (or the platform's default)
    concurrency: int = 8
    target: str | None = None  # how to name the target to a person: the base URL, or "embedded sandbox"

    @property
    def client_id(self) -> str | None:
        """The OAuth client id, when the credentials have one (it is not a secret)."""
        return self.credentials.client_id if isinstance(self.credentials, ClientCredentials) else None

    @property
    def where(self) -> str:
        """The target as a person should read it."""
        return self.target or self.base_url
