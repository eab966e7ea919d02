"""Trackier's own quota (429 + Retry-After, no rate headers), apart from Retail Media's; the shared faults."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import aiohttp

from bulkops.sandbox import Sandbox
from tests.sandbox.helpers import Raw
from tests.sandbox.trackier.raw import tk


async def test_its_own_quota_answers_429_with_retry_after(
        make_sandbox: Callable[..., AbstractAsyncContextManager[Sandbox]]) -> None:
    async with make_sandbox(trackier_campaigns=5, trackier_quota=3, quota=5) as sb, tk(sb) as t:
        for _ in range(3):
            status, _, headers = await t.call("GET", "/campaigns")
            assert status == 200 and not any(h.lower().startswith("x-ratelimit") for h in headers)
        status, body, headers = await t.call("GET", "/campaigns")
        assert status == 429 and int(headers["Retry-After"]) >= 1
        assert not any(h.lower().startswith("x-ratelimit") for h in headers)
        assert body["success"] is False and body["errors"][0]["code"] == "RATE_LIMIT_EXCEEDED"
        async with aiohttp.ClientSession() as session:  # Retail Media counts against its own quota
            raw = await Raw(sb, session).login()
            status, _, headers = await raw.call("GET", "/accounts")
            assert status == 200 and headers["x-ratelimit-limit"] == "5"
        sb.control.shift_clock(seconds=61)
        assert (await t.call("GET", "/campaigns"))[0] == 200


async def test_shared_faults_answer_in_the_trackier_error_body(tsb: Sandbox) -> None:
    tsb.control.set_faults(error_rate=1.0)
    async with tk(tsb) as t:
        status, body, _ = await t.call("GET", "/campaigns")
    assert status in (500, 503) and body["success"] is False
    assert body["errors"][0]["code"] in ("INTERNAL_ERROR", "SERVICE_UNAVAILABLE") and body["message"]
