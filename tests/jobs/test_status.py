"""Mass-pause, unpause and remove SKUs, by line item or across an account, and undo them."""

from __future__ import annotations

from pathlib import Path

import bulkops
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import conn, read_csv, state, write_csv, writes


def _promoted_skus(sb: Sandbox, account: str, n: int) -> tuple[list[str], dict[str, list[str]]]:
    where: dict[str, list[str]] = {}
    for li in sb.control.retail_media.line_item_ids(account):
        for sku in sb.control.retail_media.products(li):
            where.setdefault(sku, []).append(li)
    skus = sorted(where, key=lambda s: (-len(where[s]), s))[:n]  # SKUs promoted on several line items
    return skus, where


async def test_pause_skus_across_an_account_then_undo(sandbox: Sandbox, tmp_path: Path) -> None:
    account = sandbox.control.retail_media.account_ids()[0]
    skus, where = _promoted_skus(sandbox, account, 5)
    touched = sorted({li for s in skus for li in where[s]})
    before = state(sandbox, touched)
    path = write_csv(tmp_path / "skus.csv", ["productId"], [[s] for s in skus] + [["NOT-PROMOTED"]])

    result = await bulkops.set_product_status(path, "paused", accounts=[account], connection=conn(sandbox),
                                              run_dir=tmp_path / "pause")

    for sku in skus:
        assert all(sandbox.control.retail_media.products(li)[sku]["status"] == "paused" for li in where[sku])
    assert result.outcomes == {"succeeded": 5, "skipped": 0, "failed": 1, "unknown": 0, "pending": 0}
    errors = read_csv(result.files.errors)
    assert [r["errorCode"] for r in errors] == ["not-promoted"]
    report = read_csv(result.files.results)
    assert "line items" in report[0]["message"] or report[0]["message"] == ""

    undo = await bulkops.set_product_status(result.files.undo, "paused", connection=conn(sandbox),
                                            run_dir=tmp_path / "undo")  # the action column wins over the verb
    assert undo.exit_code == 0
    assert state(sandbox, touched) == before


async def test_with_an_account_a_blank_line_item_cell_means_every_line_item_promoting_the_sku(
        sandbox: Sandbox, tmp_path: Path) -> None:
    """A pause list with a lineItemId column: a row naming its line item pauses the SKU there alone, a row whose
    cell is blank pauses it wherever the account promotes it, as a sheet without the column does."""
    account = sandbox.control.retail_media.account_ids()[0]
    (everywhere, here), where = _promoted_skus(sandbox, account, 2)
    only = where[here][0]
    before = {li: sandbox.control.retail_media.products(li)[here]["status"] for li in where[here]}
    path = write_csv(tmp_path / "skus.csv", ["lineItemId", "productId"], [["", everywhere], [only, here]])

    result = await bulkops.set_product_status(path, "paused", accounts=[account], connection=conn(sandbox),
                                              run_dir=tmp_path / "pause")

    assert result.outcomes["succeeded"] == 2 and result.outcomes["failed"] == 0
    assert all(sandbox.control.retail_media.products(li)[everywhere]["status"] == "paused"
               for li in where[everywhere])
    assert {li: sandbox.control.retail_media.products(li)[here]["status"] for li in where[here]} == \
        {**before, only: "paused"}


async def test_an_account_is_one_account_and_an_unknown_one_is_refused_before_anything(sandbox: Sandbox,
                                                                                         tmp_path: Path) -> None:
    """`accounts="4000"` is the account 4000, not accounts 4, 0, 0 and 0; an account these credentials cannot use
    is a UsageError naming it, before a run directory is made (it was an ExceptionGroup while planning)."""
    account = sandbox.control.retail_media.account_ids()[0]
    skus, where = _promoted_skus(sandbox, account, 1)
    path = write_csv(tmp_path / "skus.csv", ["productId"], [[s] for s in skus])
    result = await bulkops.set_product_status(path, "paused", accounts=account, connection=conn(sandbox),
                                              run_dir=tmp_path / "one", dry_run=True)
    assert result.outcomes["planned"] == 1
    assert all(li in read_csv(result.files.results)[0]["after"] for li in where[skus[0]])  # every line item of it
    for wrong in ("9999", f"{account},9999"):
        try:
            await bulkops.set_product_status(path, "paused", accounts=wrong, connection=conn(sandbox),
                                             run_dir=tmp_path / "wrong")
        except bulkops.UsageError as exc:
            assert "account '9999' is not one these credentials may use" in str(exc)
        else:
            raise AssertionError(f"accounts={wrong!r} was taken")
        assert not (tmp_path / "wrong").exists()


async def test_an_account_whose_access_is_taken_away_mid_run_fails_its_sku_rows_not_the_run(sandbox: Sandbox,
                                                                                             tmp_path: Path) -> None:
    """Access to an --account revoked after the run began (between its check and its reads): its SKU rows fail,
    named, with nothing sent; before, the run crashed with an ExceptionGroup, and so did every resume."""
    account = sandbox.control.retail_media.account_ids()[0]
    skus, where = _promoted_skus(sandbox, account, 2)
    path = write_csv(tmp_path / "skus.csv", ["productId"], [[s] for s in skus])
    touched = sorted({li for s in skus for li in where[s]})
    before = state(sandbox, touched)
    store = sandbox.state.store

    def revoke(progress: bulkops.Progress) -> None:
        if progress.phase == "checking rows":  # checked and journaled: the account is refused from here on
            store.run("UPDATE accounts SET owner='someone-else' WHERE id=?", (account,))

    result = await bulkops.set_product_status(path, "paused", accounts=[account], connection=conn(sandbox),
                                              run_dir=tmp_path / "run", listener=revoke)
    assert (result.outcomes["failed"], result.exit_code) == (2, 1)
    assert state(sandbox, touched) == before  # nothing sent
    errors = read_csv(result.files.errors)
    assert {r["errorCode"] for r in errors} == {"account-refused"}
    assert all(f"account '{account}' cannot be read" in r["error"] for r in errors)


async def test_remove_then_undo_brings_back_bid_and_paused_status(sandbox: Sandbox, tmp_path: Path) -> None:
    account = sandbox.control.retail_media.account_ids()[0]
    li = next(li for li in sandbox.control.retail_media.line_item_ids(account)
              if sandbox.control.retail_media.line_item(li)["type"] == "auction" and len(sandbox.control.retail_media.products(li)) > 5
              and any(p["status"] == "paused" for p in sandbox.control.retail_media.products(li).values()))
    before = state(sandbox, [li])
    paused = next(s for s, p in before[li].items() if p["status"] == "paused")
    others = [s for s in sorted(before[li]) if s != paused][:3]
    path = write_csv(tmp_path / "remove.csv", ["lineItemId", "productId"], [[li, s] for s in [paused, *others]])

    result = await bulkops.set_product_status(path, "removed", connection=conn(sandbox), run_dir=tmp_path / "rm")
    assert result.outcomes["succeeded"] == 4 and paused not in sandbox.control.retail_media.products(li)

    await bulkops.apply_bids(result.files.undo, connection=conn(sandbox), run_dir=tmp_path / "undo")
    assert state(sandbox, [li]) == before


async def test_already_paused_products_are_skipped_and_nothing_is_sent(sandbox: Sandbox, tmp_path: Path) -> None:
    account = sandbox.control.retail_media.account_ids()[0]
    pairs = [(li, s) for li in sandbox.control.retail_media.line_item_ids(account)
             for s, p in sandbox.control.retail_media.products(li).items() if p["status"] == "paused"][:10]
    path = write_csv(tmp_path / "p.csv", ["line_item_id", "SKU"], pairs)
    result = await bulkops.set_product_status(path, "paused", connection=conn(sandbox), run_dir=tmp_path / "r")
    assert result.outcomes["skipped"] == 10 and writes(sandbox) == 0


async def test_a_line_item_keeps_its_last_product(sandbox: Sandbox, tmp_path: Path) -> None:
    account = sandbox.control.retail_media.account_ids()[0]
    li = next(li for li in sandbox.control.retail_media.line_item_ids(account) if 1 < len(sandbox.control.retail_media.products(li)) < 6)
    path = write_csv(tmp_path / "rm.csv", ["lineItemId", "productId"], [[li, s] for s in sandbox.control.retail_media.products(li)])
    result = await bulkops.set_product_status(path, "removed", connection=conn(sandbox), run_dir=tmp_path / "r")
    assert len(sandbox.control.retail_media.products(li)) == 1
    assert [r["errorCode"] for r in read_csv(result.files.errors)] == ["last-product"]


async def test_a_row_naming_a_line_item_outside_the_accounts_given_fails_and_nothing_goes_there(
        sandbox: Sandbox, tmp_path: Path) -> None:
    """`--account 4000` scopes the run: a row naming a line item of another account (a file of the wrong account)
    fails as other-account, nothing sent there; rows inside the account are done as usual."""
    mine, theirs = sandbox.control.retail_media.account_ids()[:2]
    inside = sandbox.control.retail_media.line_item_ids(mine)[0]
    outside = sandbox.control.retail_media.line_item_ids(theirs)[0]
    sku_in = sorted(sandbox.control.retail_media.products(inside))[0]
    sku_out = sorted(sandbox.control.retail_media.products(outside))[0]
    before = state(sandbox, [outside])
    path = write_csv(tmp_path / "skus.csv", ["lineItemId", "productId"], [[inside, sku_in], [outside, sku_out]])

    result = await bulkops.set_product_status(path, "paused", accounts=[mine], connection=conn(sandbox),
                                              run_dir=tmp_path / "pause")

    assert (result.outcomes["succeeded"], result.outcomes["failed"]) == (1, 1)
    [error] = read_csv(result.files.errors)
    assert (error["lineItemId"], error["errorCode"], error["errorColumn"]) == (outside, "other-account", "lineItemId")
    assert f"not in account(s) {mine}" in error["error"]
    assert state(sandbox, [outside]) == before
    assert sandbox.control.retail_media.products(inside)[sku_in]["status"] == "paused"
