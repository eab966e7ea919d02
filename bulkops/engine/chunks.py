"""Operations grouped by parent and cut to the API's cap, and the split of a chunk that failed (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import groupby, islice

from bulkops.types import Chunk, Operation


def chunks(operations: Iterable[Operation], cap: int) -> Iterator[Chunk]:
    """One chunk per run of operations sharing kind and parent, `cap` operations at most, in the input's order.

    Streaming: at most one chunk is held at a time, so operations sorted by parent and kind (as the journal
    gives them) make the fewest requests; unsorted ones make more, smaller requests, never a wrong one.
    """
    if cap < 1:
        raise ValueError("cap must be at least 1")
    for _, run in groupby(operations, key=lambda op: (op.kind, op.parent_id)):
        while piece := tuple(islice(run, cap)):
            yield make_chunk(piece)


def make_chunk(ops: tuple[Operation, ...]) -> Chunk:
    """A chunk of operations that share kind and parent."""
    return Chunk(ops[0].kind, ops[0].parent_id, ops)


def halves(chunk: Chunk) -> tuple[Chunk, Chunk]:
    """Split a chunk whose failure named no item, to corner the bad ones."""
    mid = len(chunk.operations) // 2
    return make_chunk(chunk.operations[:mid]), make_chunk(chunk.operations[mid:])
