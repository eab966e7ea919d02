"""Operations grouped by parent and cut to the API's cap, and the split of a chunk that failed (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from bulkops.types import Chunk, Operation


def chunks(operations: Iterable[Operation], cap: int) -> Iterator[Chunk]:
    """One chunk per (kind, parent) and per `cap` operations, keeping the input order within a parent."""
    if cap < 1:
        raise ValueError("cap must be at least 1")
    groups: dict[tuple[str, str], list[Operation]] = {}
    for op in operations:
        groups.setdefault((op.kind, op.parent_id), []).append(op)
    for ops in groups.values():
        for start in range(0, len(ops), cap):
            yield make_chunk(tuple(ops[start:start + cap]))


def make_chunk(ops: tuple[Operation, ...]) -> Chunk:
    """A chunk of operations that share kind and parent."""
    return Chunk(ops[0].kind, ops[0].parent_id, ops)


def halves(chunk: Chunk) -> tuple[Chunk, Chunk]:
    """Split a chunk whose failure named no item, to corner the bad ones."""
    mid = len(chunk.operations) // 2
    return make_chunk(chunk.operations[:mid]), make_chunk(chunk.operations[mid:])
