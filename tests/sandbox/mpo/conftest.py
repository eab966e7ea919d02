"""MPO fixtures: a small sandbox (20 sellers per advertiser)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import pytest

from bulkops.sandbox import Sandbox


@pytest.fixture
async def mpo(make_sandbox: Callable[..., AbstractAsyncContextManager[Sandbox]]) -> AsyncIterator[Sandbox]:
    """A sandbox with 20 MPO sellers, quota off, no faults."""
    async with make_sandbox(mpo_sellers=20) as sb:
        yield sb
