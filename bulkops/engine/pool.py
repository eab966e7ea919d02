"""The worker pool: N workers over a bounded anyio stream of chunks; every operation ends with an Outcome.

Memory stays flat: the feeder blocks while the stream is full, so a million operations are never all
in flight. Workers never raise for a row: a refused chunk becomes Outcomes. A 400 that names items
fails those items with the API's reason and sends the rest again; a 400 that names none is split in
halves until the bad items stand alone. If the run is cancelled (Ctrl-C), chunks in flight get no
outcome: the journal keeps them as not known, and `bulkops resume` sends them again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import anyio
from anyio.abc import ObjectReceiveStream

from bulkops.engine.chunks import halves, make_chunk
from bulkops.errors import BadRequest, ItemError, RequestError
from bulkops.types import Chunk, Operation, Outcome, OutcomeStatus

Result = tuple[Operation, Outcome]
OnOutcomes = Callable[[list[Result]], None]


@dataclass(frozen=True, slots=True)
class Sent:
    """What a platform's send returns for a chunk the API accepted."""

    status: int
    trace_id: str | None
    attempts: int


Send = Callable[[Chunk], Awaitable[Sent]]
# A platform hook: a reason if a refused item in fact already has the wanted state (e.g. a delete whose
# first answer was lost to a dropped connection), else None.
AlreadyDone = Callable[[Chunk, ItemError, int], str | None]


async def run_chunks(chunks: Iterable[Chunk], send: Send, *, concurrency: int, on_outcomes: OnOutcomes,
                     already_done: AlreadyDone | None = None) -> None:
    """Send every chunk once (splitting refused ones), reporting outcomes as each chunk settles."""
    tx, rx = anyio.create_memory_object_stream[Chunk](max_buffer_size=concurrency)
    async with anyio.create_task_group() as tg:
        for _ in range(concurrency):
            tg.start_soon(_worker, rx.clone(), send, on_outcomes, already_done)
        rx.close()
        async with tx:
            for chunk in chunks:
                await tx.send(chunk)


async def _worker(rx: ObjectReceiveStream[Chunk], send: Send, on_outcomes: OnOutcomes,
                  already_done: AlreadyDone | None) -> None:
    async with rx:
        async for chunk in rx:
            on_outcomes(await settle(chunk, send, already_done))


async def settle(chunk: Chunk, send: Send, already_done: AlreadyDone | None = None) -> list[Result]:
    """Every operation of the chunk with its outcome; bad items never sink their neighbours."""
    results: list[Result] = []
    todo = [chunk]
    tries: dict[int, int] = {}  # id(op) → sends before the current one
    while todo:
        current = todo.pop()
        try:
            sent = await send(current)
        except BadRequest as exc:
            todo += _isolate(current, exc, results, tries, already_done)
        except RequestError as exc:
            results += [(op, _failed(op, exc, tries)) for op in current.operations]
        else:
            results += [(op, Outcome(op.row_number, OutcomeStatus.SUCCEEDED, http_status=sent.status,
                                     trace_id=sent.trace_id, attempts=tries.get(id(op), 0) + sent.attempts))
                        for op in current.operations]
    return results


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
        done = already_done(chunk, item, exc.attempts) if item and already_done else None
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
