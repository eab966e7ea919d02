"""Whether a request left: a chunk stopped while it waited for the quota was never sent; one stopped after its
request left may have been applied. `ApiClient` says so to whoever watches the task it runs in (`watching`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class Wire:
    """Whether a request made within `watching` was handed to the network."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = False


WIRE: ContextVar[Wire | None] = ContextVar("bulkops_wire", default=None)


@contextmanager
def watching() -> Iterator[Wire]:
    """Within it, the task's `ApiClient` calls say whether one of them was handed to the network (`Wire.left`)."""
    wire = Wire()
    token = WIRE.set(wire)
    try:
        yield wire
    finally:
        WIRE.reset(token)
