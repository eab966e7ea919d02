"""Fixtures of the Trackier tests: a small sandbox (30 campaigns) without quota."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import pytest

from bulkops.sandbox import Sandbox


@pytest.fixture
async def tsb(make_sandbox: Callable[..., AbstractAsyncContextManager[Sandbox]]) -> AsyncIterator[Sandbox]:
    """A sandbox with 30 Trackier campaigns, no quota, no faults."""
    async with make_sandbox(trackier_campaigns=30, trackier_quota=0) as sb:
        yield sb
