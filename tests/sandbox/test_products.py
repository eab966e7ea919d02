"""Promoted product writes and the rules of seed 002."""

from __future__ import annotations

import aiohttp

from bulkops.sandbox import Sandbox
from tests.sandbox.helpers import Raw, products_body


def _line_item(sb: Sandbox, kind: str = "auction", min_products: int = 2) -> tuple[str, str]:
    for li in sb.control.retail_media.line_item_ids(sb.control.retail_media.account_ids()[0]):
        attrs = sb.control.retail_media.line_item(li)
        if attrs["type"] == kind and len(sb.control.retail_media.products(li)) >= min_products:
            return li, attrs["targetRetailerId"]
    raise AssertionError("no such line item in the seed")


def _new_skus(sb: Sandbox, li: str, retailer: str, n: int) -> list[tuple[str, float]]:
    on = sb.control.retail_media.products(li)
    return [(s, b) for s, b in sb.control.retail_media.catalog(retailer).items() if s not in on][:n]


async def test_append_upserts_and_answers_an_empty_envelope(sandbox: Sandbox) -> None:
    li, retailer = _line_item(sandbox)
    existing = next(iter(sandbox.control.retail_media.products(li)))
    (new, min_bid), = _new_skus(sandbox, li, retailer, 1)
    async with aiohttp.ClientSession() as s:
        raw = await Raw(sandbox, s).login()
        status, body, _ = await raw.call("POST", f"/line-items/{li}/products/append",
                                         products_body((existing, 2.5), (new, min_bid)))
    assert (status, body) == (200, {"errors": [], "warnings": []})
    products = sandbox.control.retail_media.products(li)
    assert products[existing]["bidOverride"] == 2.5
    assert products[new] == {"bidOverride": min_bid, "status": "active"}


async def test_a_bad_item_fails_the_whole_batch_naming_index_and_id(sandbox: Sandbox) -> None:
    li, retailer = _line_item(sandbox)
    (good, _), (low, min_bid) = _new_skus(sandbox, li, retailer, 2)
    before = sandbox.control.retail_media.products(li)
    async with aiohttp.ClientSession() as s:
        raw = await Raw(sandbox, s).login()
        status, body, _ = await raw.call("POST", f"/line-items/{li}/products/append", products_body(
            (good, 1.0), ("not-a-sku", 1.0), (low, min_bid - 0.05), (good + "x", -1)))
    assert status == 400
    errs = {e["source"]["index"]: (e["source"]["id"], e["code"]) for e in body["errors"]}
    assert errs == {"1": ("not-a-sku", "sku-not-in-catalog"), "2": (low, "bid-override-below-min-bid"),
                    "3": (good + "x", "sku-not-in-catalog")}
    assert sandbox.control.retail_media.products(li) == before  # nothing applied


async def test_preferred_line_items_refuse_bid_overrides(sandbox: Sandbox) -> None:
    li, retailer = _line_item(sandbox, "preferred", 1)
    (sku, _), = _new_skus(sandbox, li, retailer, 1)
    async with aiohttp.ClientSession() as s:
        raw = await Raw(sandbox, s).login()
        status, body, _ = await raw.call("POST", f"/line-items/{li}/products/append", products_body((sku, 5.0)))
        assert status == 400 and body["errors"][0]["code"] == "bid-override-not-allowed"
        status, _, _ = await raw.call("POST", f"/line-items/{li}/products/append", products_body((sku, None)))
        assert status == 200


async def test_pause_takes_ids_only_and_changes_no_line_item_status(sandbox: Sandbox) -> None:
    li, _ = _line_item(sandbox)
    skus = list(sandbox.control.retail_media.products(li))[:2]
    line_item_before = sandbox.control.retail_media.line_item(li)
    async with aiohttp.ClientSession() as s:
        raw = await Raw(sandbox, s).login()
        status, body, _ = await raw.call("POST", f"/line-items/{li}/products/pause", products_body((skus[0], 1.0)))
        assert status == 400 and body["errors"][0]["code"] == "invalid-attributes"
        status, body, _ = await raw.call("POST", f"/line-items/{li}/products/pause", products_body(*skus))
        assert (status, body) == (204, None)
        assert {sandbox.control.retail_media.products(li)[s]["status"] for s in skus} == {"paused"}
        assert sandbox.control.retail_media.line_item(li) == line_item_before
        status, _, _ = await raw.call("POST", f"/line-items/{li}/products/unpause", products_body(skus[0]))
        assert status == 204 and sandbox.control.retail_media.products(li)[skus[0]]["status"] == "active"
        status, body, _ = await raw.call("POST", f"/line-items/{li}/products/unpause", products_body("ghost"))
        assert status == 400 and body["errors"][0]["code"] == "product-not-found"


async def test_delete_keeps_at_least_one_product(sandbox: Sandbox) -> None:
    li, _ = _line_item(sandbox)
    skus = list(sandbox.control.retail_media.products(li))
    async with aiohttp.ClientSession() as s:
        raw = await Raw(sandbox, s).login()
        status, body, _ = await raw.call("POST", f"/line-items/{li}/products/delete", products_body(*skus))
        assert status == 400 and body["errors"][0]["code"] == "last-product"
        status, _, _ = await raw.call("POST", f"/line-items/{li}/products/delete", products_body(*skus[1:]))
    assert status == 204 and list(sandbox.control.retail_media.products(li)) == skus[:1]


async def test_a_line_item_holds_500_products_at_most(make_sandbox) -> None:
    async with make_sandbox(max_products=500, line_items=3, accounts=1) as sb:
        li = max(sb.control.retail_media.line_item_ids(sb.control.retail_media.account_ids()[0]), key=lambda i: len(sb.control.retail_media.products(i)))
        attrs = sb.control.retail_media.line_item(li)
        have = len(sb.control.retail_media.products(li))
        fresh = _new_skus(sb, li, attrs["targetRetailerId"], 500 - have + 2)
        async with aiohttp.ClientSession() as s:
            raw = await Raw(sb, s).login()
            status, body, _ = await raw.call("POST", f"/line-items/{li}/products/append",
                                             products_body(*[(k, None) for k, _ in fresh]))
            assert status == 400
            assert [e["code"] for e in body["errors"]] == ["max-products-exceeded"] * 2
            assert [int(e["source"]["index"]) for e in body["errors"]] == [len(fresh) - 2, len(fresh) - 1]
            status, _, _ = await raw.call("POST", f"/line-items/{li}/products/append",
                                          products_body(*[(k, None) for k, _ in fresh[:-2]]))
        assert status == 200 and len(sb.control.retail_media.products(li)) == 500
