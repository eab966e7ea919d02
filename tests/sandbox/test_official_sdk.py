"""The official criteo-api-retailmedia-sdk, pointed at the sandbox with host=, makes its calls and
deserialises every answer: a script written against the sandbox works unchanged against Criteo."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from criteo_api_retailmedia_v2027_01 import ApiClientBuilder
from criteo_api_retailmedia_v2027_01.api.accounts_api import AccountsApi
from criteo_api_retailmedia_v2027_01.api.campaign_api import CampaignApi
from criteo_api_retailmedia_v2027_01.model.cpc_min_bids_request import CpcMinBidsRequest
from criteo_api_retailmedia_v2027_01.model.promoted_product import PromotedProduct
from criteo_api_retailmedia_v2027_01.model.promoted_product_resource import PromotedProductResource as Res
from criteo_api_retailmedia_v2027_01.model.promoted_product_resource_collection_input import (
    PromotedProductResourceCollectionInput as In,
)
from criteo_api_retailmedia_v2027_01.model.sponsored_products_line_item_update_request_model import (
    SponsoredProductsLineItemUpdateRequestModel as Upd,
)
from criteo_api_retailmedia_v2027_01.model.value_resource_cpc_min_bids_request import ValueResourceCpcMinBidsRequest
from criteo_api_retailmedia_v2027_01.model.value_resource_input_cpc_min_bids_request import (
    ValueResourceInputCpcMinBidsRequest,
)
from criteo_api_retailmedia_v2027_01.model.value_resource_input_of_sponsored_products_line_item_update_request_model import (
    ValueResourceInputOfSponsoredProductsLineItemUpdateRequestModel as UpdIn,
)
from criteo_api_retailmedia_v2027_01.model.value_resource_of_sponsored_products_line_item_update_request_model import (
    ValueResourceOfSponsoredProductsLineItemUpdateRequestModel as UpdRes,
)

from bulkops.sandbox import Sandbox


def _sdk_session(sb: Sandbox, account: str, li: str, sku: str, campaign: str, retailer: str) -> dict:
    """The reference's snippet, unchanged apart from the host, then every other call the SDK has."""
    client = ApiClientBuilder.WithClientCredentials(sb.client_id, sb.client_secret, host=sb.base_url)
    api = CampaignApi(client)
    out: dict = {}
    page = api.get_line_items_by_account_id(account, page_index=0, page_size=100, limit_to_id=[li])
    out["line_items"] = [(x.id, x.attributes.status) for x in page.data]
    prods = api.fetch_promoted_products(li, offset=0, limit=500, fields="status,bidOverride")
    out["products"] = {p.id: (p.attributes.bid_override, p.attributes.status.value) for p in prods.data}
    out["append"] = api.append_promoted_products(li, promoted_product_resource_collection_input=In(data=[
        Res(id=sku, type="RetailMediaPromotedProduct", attributes=PromotedProduct(bid_override=1.25))])).to_dict()
    out["pause"] = api.pause_promoted_products(li, promoted_product_resource_collection_input=In(data=[
        Res(id=sku, type="RetailMediaPromotedProduct")]))
    out["accounts"] = [a.id for a in AccountsApi(client).get_accounts().data]
    out["campaigns"] = [c.attributes.status for c in api.get_campaigns_by_account_id(account).data]
    out["campaign"] = api.get_campaign_by_campaign_id(campaign).data.id
    out["one"] = api.get_line_items_by_campaign_id(li).data.attributes.name
    auction = api.get_auction_line_items_by_campaign(campaign, offset=0, limit=500)
    out["auction_count"] = auction.metadata.count
    first = auction.data[0]
    out["auction_one"] = api.get_auction_line_item(first.id).data.attributes.target_bid
    upd = Upd(name="Renamed by SDK", start_date=datetime(2026, 1, 1, tzinfo=UTC), status="paused",
              is_auto_daily_pacing=False, target_bid=0.8)
    out["put"] = api.update_auction_line_item(first.id, UpdIn(data=UpdRes(type="x", attributes=upd))).data.attributes.status
    bids = api.get_cpc_min_bids_by_sku_ids_v1(retailer, ValueResourceInputCpcMinBidsRequest(
        data=ValueResourceCpcMinBidsRequest(type="x", attributes=CpcMinBidsRequest(sku_ids=[sku]))))
    out["min_bid"] = bids.data.attributes.sku_min_bids[0].min_bid
    out["delete"] = api.delete_promoted_products(li, promoted_product_resource_collection_input=In(data=[
        Res(id=sku, type="RetailMediaPromotedProduct")]))
    return out


async def test_the_official_sdk_works_against_the_sandbox(sandbox: Sandbox) -> None:
    account = sandbox.control.retail_media.account_ids()[0]
    li = next(i for i in sandbox.control.retail_media.line_item_ids(account)
              if sandbox.control.retail_media.line_item(i)["type"] == "auction" and len(sandbox.control.retail_media.products(i)) > 3)
    attrs = sandbox.control.retail_media.line_item(li)
    catalog = sandbox.control.retail_media.catalog(attrs["targetRetailerId"])
    sku = next(s for s in catalog if s not in sandbox.control.retail_media.products(li) and catalog[s] <= 1.25)
    before = sandbox.control.retail_media.products(li)
    out = await asyncio.to_thread(_sdk_session, sandbox, account, li, sku, attrs["campaignId"],
                                  attrs["targetRetailerId"])
    assert out["line_items"] == [(li, attrs["status"])]
    assert out["products"] == {k: (v["bidOverride"], v["status"]) for k, v in before.items()}
    assert out["append"] == {"errors": [], "warnings": []}
    assert out["pause"] is None and out["delete"] is None
    assert out["accounts"] == sandbox.control.retail_media.account_ids()
    assert out["put"] == "paused" and out["min_bid"] == catalog[sku]
    assert sku not in sandbox.control.retail_media.products(li)  # appended, paused, then deleted through the SDK
