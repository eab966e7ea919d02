"""Auth, quota, faults and bad requests: the edges a bulk client meets."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from bulkops.sandbox import Sandbox
from tests.sandbox.helpers import Raw


async def test_token_errors_are_oauth_shaped(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as s:
        url = f"{sandbox.base_url}/oauth2/token"
        async with s.post(url, data={"client_id": "x", "client_secret": "y", "grant_type": "client_credentials"}) as r:
            assert r.status == 401 and (await r.json())["error"] == "invalid_client"
        async with s.post(url, data={"client_id": "x", "client_secret": "y", "grant_type": "password"}) as r:
            assert r.status == 400 and (await r.json())["error"] == "unsupported_grant_type"
        async with s.post(url, data={"client_id": sandbox.client_id, "client_secret": sandbox.client_secret,
                                     "grant_type": "client_credentials"}) as r:
            body = await r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900 and body["refresh_token"] is None


async def test_missing_bad_and_expired_tokens_get_401(sandbox: Sandbox) -> None:
    sandbox.control.set_token_ttl(60, grace_s=30)
    async with aiohttp.ClientSession() as s:
        raw = await Raw(sandbox, s).login()
        status, _, _ = await raw.call("GET", "/accounts")
        assert status == 200
        sandbox.control.shift_clock(seconds=80)  # past expiry, inside the grace the SDK needs
        assert (await raw.call("GET", "/accounts"))[0] == 200
        sandbox.control.shift_clock(seconds=20)
        status, body, _ = await raw.call("GET", "/accounts")
        assert status == 401 and body["errors"][0]["code"] == "authorization-token-expired"
        raw.token = "forged"
        status, body, _ = await raw.call("GET", "/accounts")
        assert status == 401 and body["errors"][0]["code"] == "authorization-token-invalid"


async def test_the_bearer_scheme_is_read_case_aside(sandbox: Sandbox) -> None:
    """HTTP's auth scheme names are case-insensitive: a script sending `bearer <token>` works as with the real API;
    another scheme, or none, is refused."""
    async with aiohttp.ClientSession() as s:
        raw = await Raw(sandbox, s).login()
        for header, status in ((f"bearer {raw.token}", 200), (f"BEARER {raw.token}", 200),
                               (f"Basic {raw.token}", 401), (raw.token, 401)):
            async with s.get(f"{sandbox.base_url}/2026-07/retail-media/accounts",
                             headers={"Authorization": header}) as r:
                assert r.status == status, header


async def test_quota_answers_429_with_headers_then_resets(make_sandbox) -> None:
    async with make_sandbox(quota=3, quota_window_s=1.0) as sb, aiohttp.ClientSession() as s:
        raw = await Raw(sb, s).login()
        await asyncio.sleep(1.0 - time.time() % 1.0 + 0.02)  # start at a window's beginning
        window_start = int(time.time())
        answers = [await raw.call("GET", "/accounts") for _ in range(4)]
        assert [a[0] for a in answers] == [200, 200, 200, 429]
        assert [a[2]["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
        status, body, headers = answers[3]
        assert body["errors"][0]["type"] == "quota" and int(headers["Retry-After"]) >= 1
        assert int(headers["x-ratelimit-reset"]) == window_start + 1  # epoch seconds of the next window
        assert headers["x-ratelimit-limit"] == "3"
        await asyncio.sleep(1.0)
        assert (await raw.call("GET", "/accounts"))[0] == 200
        sb.control.burst_429(2)
        assert [(await raw.call("GET", "/accounts"))[0] for _ in range(2)] == [429, 429]
        assert sb.control.stats()["rate_limited"] == 3


async def _fates(sb: Sandbox, raw: Raw, n: int) -> list[object]:
    li = sb.control.retail_media.line_item_ids(sb.control.retail_media.account_ids()[0])[0]
    fates = []
    for i in range(n):
        try:
            fates.append((await raw.call("GET", f"/line-items/{li}/products?offset={i}"))[0])
        except aiohttp.ClientError as exc:
            fates.append(type(exc).__name__)
    return fates


@pytest.mark.parametrize("seed", [1, 2])
async def test_faults_replay_under_a_seed(make_sandbox, seed: int) -> None:
    runs = []
    for _ in range(2):
        async with make_sandbox(seed=seed, error_rate=0.3, reset_rate=0.2) as sb:
            connector = aiohttp.TCPConnector(force_close=True)  # no client-side retry of dropped keep-alives
            async with aiohttp.ClientSession(connector=connector) as s:
                runs.append(await _fates(sb, await Raw(sb, s).login(), 40))
    assert runs[0] == runs[1]
    assert {500, 503, 200} <= set(runs[0]) and "ServerDisconnectedError" in runs[0]


async def test_fault_schedules_differ_between_seeds(make_sandbox) -> None:
    runs = []
    for seed in (1, 2):
        async with make_sandbox(seed=seed, error_rate=0.5) as sb, aiohttp.ClientSession() as s:
            runs.append(await _fates(sb, await Raw(sb, s).login(), 30))
    assert runs[0] != runs[1]


async def test_a_hung_request_never_answers_until_the_client_gives_up(make_sandbox) -> None:
    async with make_sandbox(hang_rate=1.0) as sb, aiohttp.ClientSession() as s:
        raw = await Raw(sb, s).login()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(raw.call("GET", "/accounts"), 0.5)
        assert sb.control.stats()["hangs"] == 1
    # leaving the block shut the server down although a handler was still hanging


@pytest.mark.parametrize(("path", "body"), [
    ("/line-items/{li}/products/append", b"{not json"),
    ("/line-items/{li}/products/append", b'{"data": {"id": "x"}}'),
    ("/line-items/{li}/products/append", b'{"data": [], "extra": 1}'),
    ("/line-items/{li}/products/append", b'{"data": [{"id": 5}]}'),
    ("/line-items/{li}/products/append", b'{"data": [{"id": "a", "attributes": {"bidOverride": "high"}}]}'),
    ("/line-items/{li}/products/pause", b'{"data": [' + b",".join([b'{"id": "s"}'] * 501) + b"]}"),
])
async def test_bad_bodies_get_400_in_the_envelope(sandbox: Sandbox, path: str, body: bytes) -> None:
    li = sandbox.control.retail_media.line_item_ids(sandbox.control.retail_media.account_ids()[0])[0]
    async with aiohttp.ClientSession() as s:
        raw = await Raw(sandbox, s).login()
        status, answer, _ = await raw.call("POST", path.format(li=li), raw=body)
    assert status == 400 and answer["errors"][0]["type"] == "validation" and answer["warnings"] == []


@pytest.mark.parametrize("query", ["pageIndex=-1", "pageSize=0", "pageSize=501", "pageSize=ten", "limitToType=Big"])
async def test_bad_paging_gets_400(sandbox: Sandbox, query: str) -> None:
    account = sandbox.control.retail_media.account_ids()[0]
    async with aiohttp.ClientSession() as s:
        raw = await Raw(sandbox, s).login()
        status, answer, _ = await raw.call("GET", f"/accounts/{account}/line-items?{query}")
    assert status == 400 and answer["errors"][0]["code"] == "invalid-parameter"


async def test_unknown_route_and_method_answer_in_the_envelope(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as s:
        raw = await Raw(sandbox, s).login()
        status, body, _ = await raw.call("GET", "/no-such-thing")
        assert status == 404 and body["errors"]
        status, body, _ = await raw.call("DELETE", "/accounts")
        assert status == 405 and body["errors"]
        status, body, _ = await raw.call("POST", "/retailers/2101/cpc-min-bids",
                                         {"data": {"type": "x", "attributes": {"skuIds": ["nope"]}}})
        assert status == 200 and body["data"]["attributes"]["skuMinBids"] == []
        # required and never null in CpcMinBidsResponse (the official SDK refuses a null): the retailer's lowest
        floor = min(sandbox.control.retail_media.catalog("2101").values())
        assert body["data"]["attributes"]["overallMinBid"] == floor
