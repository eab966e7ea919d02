"""The worker pool: N workers over a bounded anyio stream of chunks; every operation ends with an Outcome.

Memory stays flat: the feeder blocks while the stream is full, so a million operations are never all
in flight. Workers never raise for a row: a refused chunk becomes Outcomes. A 400 that names items
fails those items with the API's reason and sends the rest again; a 400 that names none is split in
halves until the bad items stand alone.

What a failure means for a row is kept exact: a request that never left (no connection) is PENDING, sent
again later; one that left with no answer seen is UNKNOWN (it may have been applied; the runner reads it
back); an answer that refuses it is FAILED. The reporter hears of a chunk before it is sent (so a run
killed mid-request knows what may have been applied), again if the run is stopped before its request left
(waiting for the quota: it was not sent), and when it settles. When the API is unreachable,
the pool stops: the chunk's operations are PENDING and `ApiUnreachable` propagates.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import anyio
from anyio.abc import ObjectReceiveStream

from bulkops.engine.chunks import halves, make_chunk
from bulkops.engine.wire import watching
from bulkops.errors import ApiError, ApiUnreachable, BadRequest, ItemError, RequestError, TransportError
from bulkops.types import Chunk, Operation, Outcome, OutcomeStatus

Result = tuple[Operation, Outcome]


class Reporter(Protocol):
    """Hears of each chunk before it is sent and when it has settled."""

    def sent(self, operations: Sequence[Operation]) -> None:
        """These operations are about to leave: their outcome is unknown until `settled`."""

    def unsent(self, operations: Sequence[Operation]) -> None:
        """These operations, said `sent`, never left after all: the run was stopped while they waited (for the
        quota, a connection, a token)."""

    def settled(self, chunk: Chunk, results: list[Result], seconds: float) -> None:
        """Every operation of a chunk with its outcome, and how long the chunk took."""


@dataclass(frozen=True, slots=True)
class Sent:
    """What a platform's send returns for a chunk the API accepted."""

    status: int
    trace_id: str | None
    attempts: int
    results: tuple[Mapping[str, Any] | None, ...] | None = None  # per operation, in order, when the API says


Send = Callable[[Chunk], Awaitable[Sent]]
# A platform hook: a reason if a refused item in fact already has the wanted state (e.g. a delete whose
# first answer was lost to a dropped connection, in this process or an earlier one), else None. The int is
# how many times the item was sent in all.
AlreadyDone = Callable[[Chunk, ItemError, int], str | None]


async def run_chunks(chunks: Iterable[Chunk], send: Send, *, concurrency: int, reporter: Reporter,
                     already_done: AlreadyDone | None = None) -> None:
    """Send every chunk once (splitting refused ones), reporting each chunk as it leaves and as it settles.

    Raises `ApiUnreachable` (after reporting the chunk's operations as PENDING) when the API stopped answering.
    """
    tx, rx = anyio.create_memory_object_stream[Chunk](max_buffer_size=concurrency)
    try:
        async with anyio.create_task_group() as tg:
            for _ in range(concurrency):
                tg.start_soon(_worker, rx.clone(), send, reporter, already_done)
            rx.close()
            async with tx:
                for chunk in chunks:
                    await tx.send(chunk)
    except BaseExceptionGroup as group:
        unreachable = group.subgroup(ApiUnreachable)
        if unreachable is not None and unreachable.exceptions:  # one worker found the API gone: stop the run
            raise _first(unreachable) from None
        raise


def _first(group: BaseExceptionGroup[Any]) -> BaseException:
    leaf = group.exceptions[0]
    return _first(leaf) if isinstance(leaf, BaseExceptionGroup) else leaf


async def _worker(rx: ObjectReceiveStream[Chunk], send: Send, reporter: Reporter,
                  already_done: AlreadyDone | None) -> None:
    async with rx:
        async for chunk in rx:
            reporter.sent(chunk.operations)
            started = time.monotonic()
            with watching() as wire:
                try:
                    results, stop = await settle(chunk, send, already_done)
                except anyio.get_cancelled_exc_class():
                    if not wire.left:
                        reporter.unsent(chunk.operations)
                    raise
            reporter.settled(chunk, results, time.monotonic() - started)
            if stop is not None:
                raise stop


async def settle(chunk: Chunk, send: Send,
                 already_done: AlreadyDone | None = None) -> tuple[list[Result], ApiUnreachable | None]:
    """Every operation of the chunk with its outcome; bad items never sink their neighbours."""
    results: list[Result] = []
    todo = [chunk]
    tries: dict[int, int] = {}  # id(op) → sends before the current one
    stop: ApiUnreachable | None = None
    while todo:
        current = todo.pop()
        if stop is not None:
            results += [(op, _unsent(op, stop, tries)) for op in current.operations]
            continue
        try:
            sent = await send(current)
        except BadRequest as exc:
            todo += _isolate(current, exc, results, tries, already_done)
        except ApiUnreachable as exc:  # sent: its answer was a server error of an API taken for down
            stop = exc
            make = _unknown if exc.sent else _unsent
            results += [(op, make(op, exc, tries)) for op in current.operations]
        except TransportError as exc:
            make = _unknown if exc.sent else _unsent
            results += [(op, make(op, exc, tries)) for op in current.operations]
        except RequestError as exc:
            make = _unknown if getattr(exc, "maybe_applied", False) else _failed
            results += [(op, make(op, exc, tries)) for op in current.operations]
        else:
            answers = sent.results or (None,) * len(current.operations)
            results += [(op, Outcome(op.row_number, OutcomeStatus.SUCCEEDED, http_status=sent.status,
                                     trace_id=sent.trace_id, attempts=tries.get(id(op), 0) + sent.attempts,
                                     result=answer))
                        for op, answer in zip(current.operations, answers, strict=True)]
    return results, stop


def _isolate(chunk: Chunk, exc: BadRequest, results: list[Result], tries: dict[int, int],
             already_done: AlreadyDone | None) -> list[Chunk]:
    named = _named(chunk, exc.items)
    for op in chunk.operations:
        tries[id(op)] = tries.get(id(op), 0) + exc.attempts
    if not named:
        if len(chunk.operations) == 1:
            results.append((chunk.operations[0], _failed(chunk.operations[0], exc, tries, add=False)))
            return []
        return list(halves(chunk))
    rest = []
    for i, op in enumerate(chunk.operations):
        item = named.get(i)
        done = already_done(chunk, item, tries[id(op)] + op.attempts) if item and already_done else None
        if item is None:
            rest.append(op)
        elif done:
            results.append((op, Outcome(op.row_number, OutcomeStatus.SUCCEEDED, reason=done, http_status=400,
                                        trace_id=exc.trace_id, attempts=tries[id(op)])))
        else:
            results.append((op, Outcome(op.row_number, OutcomeStatus.FAILED, reason=item.message or str(exc),
                                        error_code=item.code or exc.code, http_status=400,
                                        trace_id=exc.trace_id, attempts=tries[id(op)])))
    return [make_chunk(tuple(rest))] if rest else []


def _named(chunk: Chunk, items: tuple[ItemError, ...]) -> dict[int, ItemError]:
    """Item errors by position in the chunk: by index when it points at the same entity, else by id."""
    positions = {op.entity_id: i for i, op in enumerate(chunk.operations)}
    named: dict[int, ItemError] = {}
    for item in items:
        ops = chunk.operations
        if item.index is not None and item.index < len(ops) and item.entity_id in (None, ops[item.index].entity_id):
            named[item.index] = item
        elif item.entity_id in positions:
            named[positions[item.entity_id]] = item
    return named


def _failed(op: Operation, exc: RequestError, tries: dict[int, int], *, add: bool = True) -> Outcome:
    status = getattr(exc, "status", None)
    attempts = tries.get(id(op), 0) + (exc.attempts if add else 0)
    return Outcome(op.row_number, OutcomeStatus.FAILED, reason=str(exc), error_code=getattr(exc, "code", None)
                   or type(exc).__name__, http_status=status, trace_id=getattr(exc, "trace_id", None),
                   attempts=attempts)


def _unknown(op: Operation, exc: RequestError, tries: dict[int, int]) -> Outcome:
    """Sent, and whether it was applied is not known: no answer came, or a server error that may have come after
    it was applied. Resume reads it back before anything is sent again."""
    answered = isinstance(exc, ApiError) or getattr(exc, "answered", False)
    seen = "and the answer was a server error" if answered else "but no answer was seen"
    return Outcome(op.row_number, OutcomeStatus.UNKNOWN, reason=f"sent, {seen} ({exc}): it may have been applied",
                   error_code="no-answer", attempts=tries.get(id(op), 0) + exc.attempts)


def _unsent(op: Operation, exc: RequestError, tries: dict[int, int]) -> Outcome:
    return Outcome(op.row_number, OutcomeStatus.PENDING, reason=f"not sent: {exc}", error_code="not-sent",
                   attempts=tries.get(id(op), 0))
