"""The limiter learns the quota from the headers and then stays under it; a 429 pauses the whole pool."""

from __future__ import annotations

import time
from functools import partial

import anyio

from bulkops.engine.limiter import Limiter
from bulkops.sandbox import Sandbox
from tests.engine.conftest import client_for


async def test_learned_quota_means_no_429(make_sandbox) -> None:
    async with make_sandbox(quota=40, quota_window_s=1.0) as sb:
        li = sb.control.retail_media.line_item_ids(sb.control.retail_media.account_ids()[0])[0]
        async with client_for(sb, concurrency=8, window_s=1.0) as api:
            async with anyio.create_task_group() as tg:
                for i in range(100):
                    tg.start_soon(partial(api.call, "GET", f"/2026-07/retail-media/line-items/{li}/products",
                                          params={"offset": i}))
            assert api.limiter.per_window == 40  # learned from x-ratelimit-limit
        stats = sb.control.stats()
        assert stats.get("rate_limited", 0) == 0 and stats["status_200"] == 100


async def test_calls_the_window_has_left_go_at_once_and_never_over(make_sandbox) -> None:
    # 250/min: evenly paced, 60 calls would take 14 s; the window says it takes them, so they go at once
    async with make_sandbox(quota=250) as sb, client_for(sb, concurrency=8) as api:
        li = sb.control.retail_media.line_item_ids(sb.control.retail_media.account_ids()[0])[0]
        started = time.monotonic()
        async with anyio.create_task_group() as tg:
            for i in range(60):
                tg.start_soon(partial(api.call, "GET", f"/2026-07/retail-media/line-items/{li}/products",
                                      params={"offset": i}))
        assert time.monotonic() - started < 7  # not spread over the minute (a window reset costs its wait)
        assert sb.control.stats().get("rate_limited", 0) == 0
    # a window's calls spent: nothing more goes until it resets, and then the next window's are used
    async with make_sandbox(quota=15, quota_window_s=1.0) as sb, client_for(sb, concurrency=8, window_s=1.0) as api:
        async with anyio.create_task_group() as tg:
            for _ in range(70):
                tg.start_soon(api.call, "GET", "/2026-07/retail-media/accounts")
        assert sb.control.stats().get("rate_limited", 0) == 0 and sb.control.stats()["status_200"] == 70


async def test_a_given_rate_is_paced_even_where_the_window_has_calls_left(make_sandbox) -> None:
    async with make_sandbox(quota=250) as sb, client_for(sb, concurrency=8, rate=600) as api:  # one per 0.1 s
        started = time.monotonic()
        async with anyio.create_task_group() as tg:
            for _ in range(11):
                tg.start_soon(api.call, "GET", "/2026-07/retail-media/accounts")
        assert time.monotonic() - started >= 0.95  # --rate is the user's: never faster


async def test_a_429_pauses_every_worker(sandbox: Sandbox) -> None:
    li = sandbox.control.retail_media.line_item_ids(sandbox.control.retail_media.account_ids()[0])[0]
    sandbox.control.burst_429(1)
    async with client_for(sandbox, concurrency=4) as api:
        async with anyio.create_task_group() as tg:
            for _ in range(12):
                tg.start_soon(api.call, "GET", f"/2026-07/retail-media/line-items/{li}")
        assert api.counters["rate_limited"] == 1  # the others waited instead of hammering
    assert sandbox.control.stats()["rate_limited"] == 1


async def test_in_flight_is_capped() -> None:
    limiter = Limiter(None, max_in_flight=3)
    running = peak = 0

    async def work() -> None:
        nonlocal running, peak
        async with limiter.slot():
            running += 1
            peak = max(peak, running)
            await anyio.sleep(0.01)
            running -= 1

    limiter._learning = False
    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(work)
    assert peak == 3
