"""A file fed to the wrong verb is refused before anything is read from the API, naming the verb it fits."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkops import fit, registry
from bulkops.errors import InputError


@pytest.mark.parametrize(("verb", "header", "fits"), [
    ("bids", "sellerCampaignId,bid", "seller-bids"),  # an MPO sheet (or its undo file) given to Retail Media
    ("seller-bids", "campaignId,status", "trackier-status"),
    ("bids", "campaignId,status", "trackier-status"),
    ("line-items", "lineItemId,productId,bidOverride", "bids"),
])
def test_a_sheet_given_to_the_wrong_verb_names_the_one_it_fits(tmp_path: Path, verb: str, header: str,
                                                               fits: str) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(f"{header}\n" + ",".join(["12"] * len(header.split(","))) + "\n", encoding="utf-8")
    _, spec = registry.job(verb)
    with pytest.raises(InputError) as refused:
        fit.check(spec.make({}), sheet)
    assert f"its columns fit `bulkops {fits}`" in refused.value.message, refused.value.message


def test_skus_alone_are_not_sent_in_circles_between_verbs_that_all_need_an_account(tmp_path: Path) -> None:
    """productId alone, without --account: `pause` says --account is the way; it names no verb that needs the same."""
    sheet = tmp_path / "skus.csv"
    sheet.write_text("productId\n27d40d3458c\n", encoding="utf-8")
    for verb in ("pause", "unpause", "remove"):
        _, spec = registry.job(verb)
        with pytest.raises(InputError) as refused:
            fit.check(spec.make({}), sheet)
        assert "works with --account ID" in refused.value.message and "its columns fit" not in refused.value.message


def test_a_sku_bid_sheet_given_to_line_items_is_refused_not_read_as_target_bids(tmp_path: Path) -> None:
    """`bid` there is each SKU's bidOverride: line-items must not take it for its line item's targetBid."""
    sheet = tmp_path / "skubids.csv"
    sheet.write_text("lineItemId,sku,bid\n50000009,0c2e023033d,1.95\n", encoding="utf-8")
    _, spec = registry.job("line-items")
    with pytest.raises(InputError) as refused:
        fit.check(spec.make({}), sheet)
    assert "its rows name products (column 'sku')" in refused.value.message
    assert "its columns fit `bulkops bids`" in refused.value.message and "line-items`" not in refused.value.message.split(
        "fit")[-1]


@pytest.mark.parametrize("header", ["lineItemId,productId,bidOveride", "lineItemId,productId,bid,bidOverride"])
def test_a_bid_sheet_with_a_misnamed_column_is_told_so_and_sent_to_no_other_verb(tmp_path: Path, header: str) -> None:
    sheet = tmp_path / "bids.csv"
    sheet.write_text(f"{header}\n" + ",".join(["12"] * len(header.split(","))) + "\n", encoding="utf-8")
    _, spec = registry.job("bids")
    with pytest.raises(InputError) as refused:
        fit.check(spec.make({}), sheet)
    assert ("did you mean 'bidOverride'" in refused.value.message or "both mean" in refused.value.message)
    assert "its columns fit" not in refused.value.message, refused.value.message
