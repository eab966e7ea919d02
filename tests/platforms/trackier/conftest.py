"""Helpers of the Trackier client tests: a small sandbox, a fast connection, and the server's own state."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager

import pytest

import bulkops
from bulkops.sandbox import Sandbox

FAST = 6000.0  # calls per minute: the client's own 60/min pacing is tested on its own, not waited for everywhere


def conn(sb: Sandbox, *, rate: float | None = FAST, key: str | None = None) -> bulkops.Connection:
    """The connection a user script would build for the sandbox's Trackier API."""
    return bulkops.connect(sb.base_url, api_key=key or sb.client_secret, platform="trackier", rate=rate)


def statuses(sb: Sandbox, ids: Iterable[int] | None = None) -> dict[int, str]:
    """Campaign statuses as the SERVER holds them."""
    control = sb.control.trackier
    return {i: control.campaign(i)["status"] for i in (control.campaign_ids() if ids is None else ids)}


def ids_in(sb: Sandbox, status: str) -> list[int]:
    """Every campaign id in this status, ascending."""
    return [i for i, s in statuses(sb).items() if s == status]


def status_calls(sb: Sandbox) -> int:
    """Status calls the sandbox answered or refused."""
    return int(sb.control.stats()["routes"].get("POST /v2/campaigns/status", 0))


@pytest.fixture
async def tsb(make_sandbox: Callable[..., AbstractAsyncContextManager[Sandbox]]) -> AsyncIterator[Sandbox]:
    """A sandbox with 40 Trackier campaigns, no quota, no faults."""
    async with make_sandbox(trackier_campaigns=40, trackier_quota=0, quota=0) as sb:
        yield sb
