"""Chunked writes against the sandbox: every row accounted for, whatever the network does."""

from __future__ import annotations

from decimal import Decimal

import anyio
import pytest

from bulkops.engine.wire import watching
from bulkops.errors import RequestError
from bulkops.platforms.retail_media.actions import Action
from bulkops.platforms.retail_media.executor import ProductExecutor
from bulkops.sandbox import Sandbox
from bulkops.types import Operation, OutcomeStatus
from tests.engine.conftest import Collect, client_for


def _bid_ops(sb: Sandbox) -> tuple[list[Operation], dict[tuple[str, str], float]]:
    ops, wanted, row = [], {}, 2
    for account in sb.control.retail_media.account_ids():
        for li in sb.control.retail_media.line_item_ids(account):
            attrs = sb.control.retail_media.line_item(li)
            if attrs["type"] != "auction":
                continue
            catalog = sb.control.retail_media.catalog(attrs["targetRetailerId"])
            for sku in sb.control.retail_media.products(li):
                bid = round(catalog[sku] + 0.07 + (row % 5) / 100, 2)
                ops.append(Operation(row, Action.SET_BID, li, sku, {"bid_override": str(Decimal(str(bid)))}))
                wanted[(li, sku)] = bid
                row += 1
    return ops, wanted


async def test_bid_change_survives_faults_and_lands_exactly(make_sandbox) -> None:
    async with make_sandbox(line_items=60, max_products=120, error_rate=0.05, reset_rate=0.02,
                            hang_rate=0.01, token_ttl=2, token_grace_s=0) as sb:
        ops, wanted = _bid_ops(sb)
        assert len(ops) > 2000
        sb.control.burst_429(3)
        collect = Collect()
        results = collect.results
        async with client_for(sb, concurrency=8) as api:
            await ProductExecutor(api).execute(ops, collect)
            counters = dict(api.counters)
        assert sorted(op.row_number for op, _ in results) == [op.row_number for op in ops]  # each row once
        assert {out.status for _, out in results} == {OutcomeStatus.SUCCEEDED}
        for (li, sku), bid in wanted.items():
            assert sb.control.retail_media.products(li)[sku]["bidOverride"] == bid
        stats = sb.control.stats()
        assert stats["injected_errors"] > 0 and stats["resets"] > 0 and stats["rate_limited"] >= 3
        assert counters["retries"] > 0 and stats["tokens"] > 1  # the short token was refreshed


async def test_bad_skus_fail_alone_with_the_api_reason(sandbox: Sandbox) -> None:
    li = next(i for i in sandbox.control.retail_media.line_item_ids(sandbox.control.retail_media.account_ids()[0])
              if sandbox.control.retail_media.line_item(i)["type"] == "auction" and len(sandbox.control.retail_media.products(i)) > 5)
    catalog = sandbox.control.retail_media.catalog(sandbox.control.retail_media.line_item(li)["targetRetailerId"])
    skus = list(sandbox.control.retail_media.products(li))[:5]
    low = skus[2]
    ops = [Operation(10 + i, Action.SET_BID, li, s, {"bid_override": "1.50" if s != low else "0.01"})
           for i, s in enumerate(skus)]
    ops.append(Operation(20, Action.SET_BID, li, "no-such-sku", {"bid_override": "1.50"}))
    collect = Collect()
    results = collect.results
    async with client_for(sandbox) as api:
        await ProductExecutor(api).execute(ops, collect)
        assert api.counters["requests"] == 2  # the refused batch, then the good rest once
    outcome = {op.entity_id: out for op, out in results}
    assert outcome[low].status is OutcomeStatus.FAILED and outcome[low].error_code == "bid-override-below-min-bid"
    assert "min bid" in outcome[low].reason and outcome[low].http_status == 400
    assert outcome["no-such-sku"].error_code == "sku-not-in-catalog"
    assert [s for s in skus if outcome[s].status is OutcomeStatus.SUCCEEDED] == [s for s in skus if s != low]
    assert all(sandbox.control.retail_media.products(li)[s]["bidOverride"] == 1.5 for s in skus if s != low)
    assert catalog[low] > 0.01


async def test_removals_retried_after_a_dropped_answer_count_as_done(make_sandbox) -> None:
    async with make_sandbox(reset_rate=0.3, seed=11) as sb:
        lis = [i for i in sb.control.retail_media.line_item_ids(sb.control.retail_media.account_ids()[0]) if len(sb.control.retail_media.products(i)) > 3]
        ops = [Operation(n, Action.REMOVE, li, sku) for n, (li, sku) in
               enumerate((li, s) for li in lis for s in list(sb.control.retail_media.products(li))[:2])]
        collect = Collect()
        results = collect.results
        async with client_for(sb) as api:
            await ProductExecutor(api).execute(ops, collect)
        assert {out.status for _, out in results} == {OutcomeStatus.SUCCEEDED}
        assert all(op.entity_id not in sb.control.retail_media.products(op.parent_id) for op in ops)
        assert sb.control.stats()["resets"] > 0


async def test_a_down_server_fails_rows_fast_once_the_run_budget_is_spent(make_sandbox) -> None:
    from dataclasses import replace

    from tests.engine.conftest import FAST

    async with make_sandbox(error_rate=1.0) as sb:
        ops, _ = _bid_ops(sb)
        collect = Collect()
        results = collect.results
        async with client_for(sb) as api:
            api.retry = replace(FAST, run_budget=5)
            await ProductExecutor(api).execute(ops, collect)
            assert api.counters["retries"] <= 5 + 8  # in-flight calls may each take one more
        assert len(results) == len(ops)
        assert {out.status for _, out in results} == {OutcomeStatus.FAILED}
        assert {out.http_status for _, out in results} <= {500, 503}


async def test_writes_in_flight_when_the_api_is_taken_for_down_are_left_for_resume_not_failed(make_sandbox) -> None:
    """Every answer a server error, to several requests, for `unavailable_after_s`: the API is taken for down.
    The requests whose last answer was one of those errors may have been applied (unknown: read back on resume),
    the rest are not sent (pending); no row fails for the API's outage."""
    from dataclasses import replace

    import pytest

    from bulkops.errors import ApiUnreachable
    from tests.engine.conftest import FAST

    async with make_sandbox(error_rate=1.0) as sb:
        ops, _ = _bid_ops(sb)
        collect = Collect()
        async with client_for(sb, concurrency=4) as api:
            api.retry = replace(FAST, attempts=1000, wait_initial_s=0.02, wait_max_s=0.02, unavailable_after_s=0.5)
            with pytest.raises(ApiUnreachable, match="server error"):
                await ProductExecutor(api).execute(ops, collect)
        statuses = {out.status for _, out in collect.results}
        assert statuses <= {OutcomeStatus.UNKNOWN, OutcomeStatus.PENDING} and OutcomeStatus.UNKNOWN in statuses
        said = {out.reason.split(" (")[0] for _, out in collect.results if out.status is OutcomeStatus.UNKNOWN}
        assert said == {"sent, and the answer was a server error"}


async def test_one_request_failing_for_long_is_its_rows_failure_not_a_down_api(make_sandbox) -> None:
    """One request retried past `unavailable_after_s`, nothing else in flight: it fails alone (its rows), and the
    next request is sent as usual; a run stopped for it would stop again on every resume."""
    from dataclasses import replace

    import pytest

    from bulkops.errors import ServerError
    from tests.engine.conftest import FAST

    async with make_sandbox(error_rate=1.0) as sb:
        li = sb.control.retail_media.line_item_ids(sb.control.retail_media.account_ids()[0])[0]
        path = f"/2026-07/retail-media/line-items/{li}/products"
        async with client_for(sb, concurrency=1) as api:
            api.retry = replace(FAST, attempts=30, wait_initial_s=0.03, wait_max_s=0.03, unavailable_after_s=0.3)
            with pytest.raises(ServerError):
                await api.call("GET", path)
            assert api.unreachable is None
            sb.control.set_faults(error_rate=0.0)
            assert (await api.call("GET", path)).status == 200


async def test_a_create_answered_a_server_error_is_never_sent_again_blindly(make_sandbox) -> None:
    """A request that is not safe to repeat (a create) answered 5xx may have been applied before the server
    failed: it is sent once, and its rows end unknown (resume reads them back), never retried into a duplicate."""
    import pytest

    from bulkops.engine.chunks import make_chunk
    from bulkops.engine.pool import settle
    from bulkops.errors import ServerError

    async with make_sandbox(error_rate=1.0) as sb:
        li = sb.control.retail_media.line_item_ids(sb.control.retail_media.account_ids()[0])[0]
        async with client_for(sb, concurrency=1) as api:
            with pytest.raises(ServerError) as raised:
                await api.call("POST", f"/2026-07/retail-media/line-items/{li}/products/append",
                               json={"data": []}, idempotent=False)
            assert raised.value.maybe_applied and api.counters["requests"] == 1

            async def create(chunk):
                return await api.call("POST", f"/2026-07/retail-media/line-items/{li}/products/append",
                                      json={"data": []}, idempotent=False)

            results, stop = await settle(make_chunk((Operation(2, Action.ADD, li, "sku-1", {}),)), create)
        assert stop is None and [out.status for _, out in results] == [OutcomeStatus.UNKNOWN]


async def test_a_stopped_chunk_says_whether_its_request_left(make_sandbox) -> None:
    """What a stopped run reports rests on it: a request refused at connect never left (not sent), one stopped
    while the server held it did (it may have been applied)."""
    async with make_sandbox() as sb:
        api = client_for(sb, read_s=5.0)
        async with api:
            li = sb.control.retail_media.line_item_ids(sb.control.retail_media.account_ids()[0])[0]
            path = f"/2026-07/retail-media/line-items/{li}/products"
            await api.call("GET", path)  # the token, fetched
            sb.control.set_faults(latency_ms=3000)
            with watching() as wire:
                with anyio.move_on_after(0.5):
                    await api.call("GET", path)
            assert wire.left
    async with api:  # the sandbox is gone: nothing listens on its port
        with watching() as wire, pytest.raises(RequestError):
            await api.call("GET", path, attempts=2)
        assert not wire.left


async def test_a_call_retries_within_its_deadline_counting_its_first_attempt(make_sandbox) -> None:
    """The deadline is the whole call's, first attempt included (that attempt goes before any retry machinery):
    a first attempt that outlasted the deadline is final; within it, each retry is counted once."""
    from dataclasses import replace

    from bulkops.errors import ServerError, TransportError
    from tests.engine.conftest import FAST

    async with make_sandbox() as sb:
        li = sb.control.retail_media.line_item_ids(sb.control.retail_media.account_ids()[0])[0]
        path = f"/2026-07/retail-media/line-items/{li}/products"
        async with client_for(sb, concurrency=1, read_s=0.4) as api:
            await api.call("GET", path)  # the token, fetched before any fault
            sb.control.set_faults(hang_rate=1.0)
            api.retry = replace(FAST, attempts=5, deadline_s=0.3)
            with pytest.raises(TransportError) as late:
                await api.call("GET", path)
            assert late.value.attempts == 1 and api.counters["retries"] == 0
            sb.control.set_faults(hang_rate=0.0, error_rate=1.0)
            api.retry = replace(FAST, attempts=3, deadline_s=30)
            with pytest.raises(ServerError) as spent:
                await api.call("GET", path)
            assert spent.value.attempts == 3 and api.counters["retries"] == 2
