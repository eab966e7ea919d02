"""Chunked writes against the sandbox: every row accounted for, whatever the network does."""

from __future__ import annotations

from decimal import Decimal

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
