"""Shared fixtures: a real sandbox on 127.0.0.1 (port 0), started in-process for each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import pytest

from bulkops.sandbox import Sandbox

SMALL = {"seed": 7, "accounts": 2, "line_items": 30, "max_products": 60, "quota": 0}


@pytest.fixture
def make_sandbox() -> Callable[..., AbstractAsyncContextManager[Sandbox]]:
    """A factory: `async with make_sandbox(quota=5) as sb:` (small data, no quota, no faults by default)."""
    return lambda **settings: Sandbox(**{**SMALL, **settings})


@pytest.fixture
async def sandbox(make_sandbox: Callable[..., AbstractAsyncContextManager[Sandbox]]) -> AsyncIterator[Sandbox]:
    """A small sandbox, quota off, no faults."""
    async with make_sandbox() as sb:
        yield sb
