"""Bid sheets end to end against the sandbox: checks, reports, feeding errors back, undo, re-runs."""

from __future__ import annotations

from pathlib import Path

import pytest

import bulkops
from bulkops.runner import journal as journal_module
from bulkops.runner import pipeline
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import answers_lost, conn, edited_export, line_items, read_csv, state, write_csv, writes

HEADER = ("lineItemId", "sku", "bid", "action")  # what users type: `sku` and `bid` are accepted names


def _sheet(sb: Sandbox) -> tuple[list[list[str]], dict[str, str]]:
    """A bid sheet with every kind of bad row, and names for the cells the test checks."""
    li = line_items(sb, "auction", "active")[0]
    preferred = line_items(sb, "preferred")[0]
    products = sb.control.retail_media.products(li)
    skus = sorted(products)
    with_bid = next(s for s in skus[7:] if products[s]["bidOverride"] is not None)
    catalog = sb.control.retail_media.catalog(sb.control.retail_media.line_item(li)["targetRetailerId"])
    new_skus = [s for s in sorted(catalog) if s not in products]
    rows = [
        [li, skus[0], "2.50"],                      # 2 ok
        [li, skus[1], "abc"],                       # 3 not a number
        [li, skus[2], "-1"],                        # 4 negative
        [li, skus[3], "5000"],                      # 5 absurd
        ["", skus[4], "1.00"],                      # 6 empty id
        [li, skus[5], "1.50"],                      # 7 conflicting duplicate ...
        [li, skus[5], "1.70"],                      # 8 ... of row 7
        [preferred, next(iter(sb.control.retail_media.products(preferred))), "1.00"],  # 9 bid on preferred
        [li, new_skus[0], "0.05", "add"],           # 10 under the min bid
        [li, "NOT-IN-CATALOG", "1.00", "add"],      # 11 not in the catalog
        ["99999999", skus[6], "1.00"],              # 12 unknown line item
        [li, new_skus[1], "1.25", "add"],           # 13 ok: adds the product, as asked
        [li, with_bid, "none"],                     # 14 ok: clears the override
        [li, skus[0], "2.50"],                      # 15 exact duplicate of row 2
        [li, new_skus[2], "1.30"],                  # 16 a bid on a SKU not on the line item: never added quietly
    ]
    rows = [r + [""] * (4 - len(r)) for r in rows]
    return rows, {"li": li, "preferred": preferred, "new": new_skus[1]}


async def test_every_bad_row_is_named_and_nothing_is_sent_for_it(sandbox: Sandbox, tmp_path: Path) -> None:
    rows, names = _sheet(sandbox)
    before = state(sandbox, [names["li"], names["preferred"]])
    path = write_csv(tmp_path / "bids.csv", HEADER, rows)

    result = await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run")

    report = {int(r["inputRow"]): r for r in read_csv(result.files.results)}
    assert len(report) == 15 and result.outcomes == {"succeeded": 3, "skipped": 1, "failed": 11, "unknown": 0, "pending": 0}
    expected = {3: ("not-a-number", "bid"), 4: ("negative", "bid"), 5: ("too-large", "bid"),
                6: ("missing-value", "lineItemId"), 7: ("duplicate-conflict", ""), 8: ("duplicate-conflict", ""),
                9: ("bid-on-preferred", "bid"), 10: ("below-min-bid", "bid"),  # the user's own header names
                11: ("not-in-catalog", "sku"), 12: ("line-item-not-found", "lineItemId"),
                16: ("not-on-line-item", "sku")}
    for row, (code, column) in expected.items():
        assert (report[row]["outcome"], report[row]["errorCode"], report[row]["errorColumn"]) == ("failed", code, column)
    assert "bids.csv, row 3, column 'bid'" in report[3]["message"]
    assert "row(s) 8" in report[7]["message"]
    assert report[15]["outcome"] == "skipped" and "same as row 2" in report[15]["message"]
    assert report[2]["before"] and report[2]["after"] == "bidOverride 2.50"
    assert report[13]["after"] == "added yes, bidOverride 1.25" and "action=add" in report[16]["message"]
    assert result.exit_code == 1

    after = state(sandbox, [names["li"], names["preferred"]])
    assert after[names["preferred"]] == before[names["preferred"]]
    changed = {sku for sku in after[names["li"]] if after[names["li"]][sku] != before[names["li"]].get(sku)}
    assert changed == {rows[0][1], names["new"], rows[12][1]}  # only the three good rows reached the API

    errors = read_csv(result.files.errors)
    assert list(errors[0])[:4] == list(HEADER)  # the input's own columns first
    assert [int(r["inputRow"]) for r in errors] == sorted(expected)


async def test_an_error_file_fixed_and_fed_back_succeeds(sandbox: Sandbox, tmp_path: Path) -> None:
    rows, names = _sheet(sandbox)
    first = await bulkops.apply_bids(write_csv(tmp_path / "bids.csv", HEADER, rows), connection=conn(sandbox),
                                     run_dir=tmp_path / "run1")
    fixed = []
    for row in read_csv(first.files.errors):
        if row["errorCode"] in ("bid-on-preferred", "not-in-catalog", "line-item-not-found") or row["inputRow"] == "8":
            continue  # a person deletes the rows that cannot be done, and one of two conflicting rows
        row["bid"] = "1.11"
        row["lineItemId"] = row["lineItemId"] or names["li"]
        if row["errorCode"] == "not-on-line-item":
            row["action"] = "add"  # yes, it is meant to be added
        fixed.append(row)
    again = write_csv(tmp_path / "fixed.csv", list(fixed[0]), [list(r.values()) for r in fixed])

    second = await bulkops.apply_bids(again, connection=conn(sandbox), run_dir=tmp_path / "run2")

    assert second.outcomes["succeeded"] == len(fixed) == 7 and second.exit_code == 0
    for row in fixed:
        assert sandbox.control.retail_media.products(row["lineItemId"])[row["sku"]]["bidOverride"] == 1.11


async def test_the_undo_file_restores_the_exact_prior_state(sandbox: Sandbox, tmp_path: Path) -> None:
    rows, names = _sheet(sandbox)
    before = state(sandbox, [names["li"]])
    result = await bulkops.apply_bids(write_csv(tmp_path / "bids.csv", HEADER, rows), connection=conn(sandbox),
                                      run_dir=tmp_path / "run1")
    assert state(sandbox, [names["li"]]) != before

    undo = await bulkops.apply_bids(result.files.undo, connection=conn(sandbox), run_dir=tmp_path / "undo")

    assert undo.exit_code == 0 and undo.outcomes["succeeded"] == 3
    assert state(sandbox, [names["li"]]) == before  # the added product is gone, old bids are back
    assert list(read_csv(result.files.undo)[0]) == ["lineItemId", "sku", "bid", "action"]  # the input's names


async def test_a_rerun_of_the_same_sheet_is_all_no_ops(sandbox: Sandbox, tmp_path: Path) -> None:
    rows, _ = _sheet(sandbox)
    path = write_csv(tmp_path / "bids.csv", HEADER, rows)
    await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run1")
    sandbox.control.reset_stats()

    again = await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run2")

    assert writes(sandbox) == 0 and again.outcomes["succeeded"] == 0
    report = {int(r["inputRow"]): r for r in read_csv(again.files.results)}
    assert {report[n]["errorCode"] for n in (2, 13, 14)} == {"no-op"}
    assert again.files.undo is None


async def test_a_line_item_never_holds_more_than_500_products(sandbox: Sandbox, tmp_path: Path) -> None:
    li = line_items(sandbox, "auction", "active")[0]
    held = sandbox.control.retail_media.products(li)
    catalog = sandbox.control.retail_media.catalog(sandbox.control.retail_media.line_item(li)["targetRetailerId"])
    new = [s for s in sorted(catalog) if s not in held][: 500 - len(held) + 7]
    path = write_csv(tmp_path / "bids.csv", HEADER, [[li, s, "1.00", "add"] for s in new])

    result = await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run")

    assert result.outcomes["failed"] == 7 and len(sandbox.control.retail_media.products(li)) == 500
    assert {r["errorCode"] for r in read_csv(result.files.errors)} == {"line-item-full"}


@pytest.mark.parametrize("snapshot", [True, False])
async def test_a_file_swapping_products_on_a_full_line_item_removes_before_it_adds(sandbox: Sandbox, tmp_path: Path,
                                                                                   snapshot: bool) -> None:
    """A line item at 500 products; a file removes two and adds two (rows in any order): the removals make room,
    so the adds fit, planned and sent in that order, with or without a snapshot."""
    li = line_items(sandbox, "auction", "active")[0]
    held = sandbox.control.retail_media.products(li)
    catalog = sandbox.control.retail_media.catalog(sandbox.control.retail_media.line_item(li)["targetRetailerId"])
    free = [s for s in sorted(catalog) if s not in held]
    fill = write_csv(tmp_path / "fill.csv", HEADER, [[li, s, "", "add"] for s in free[: 500 - len(held)]])
    await bulkops.apply_bids(fill, connection=conn(sandbox), run_dir=tmp_path / "fill")
    assert len(sandbox.control.retail_media.products(li)) == 500
    gone, new = sorted(held)[:2], free[500 - len(held):][:2]
    swap = write_csv(tmp_path / "swap.csv", HEADER, [[li, new[0], "1.10", "add"], [li, gone[0], "", "remove"],
                                                     [li, new[1], "", "add"], [li, gone[1], "", "remove"]])

    result = await bulkops.apply_bids(swap, connection=conn(sandbox), run_dir=tmp_path / f"swap-{snapshot}",
                                      snapshot=snapshot, add=not snapshot)

    assert result.outcomes["succeeded"] == 4, read_csv(result.files.results)
    now = sandbox.control.retail_media.products(li)
    assert len(now) == 500 and set(new) <= now.keys() and not set(gone) & now.keys()


async def test_dry_run_sends_nothing_and_shows_the_plan(sandbox: Sandbox, tmp_path: Path) -> None:
    rows, names = _sheet(sandbox)
    before = state(sandbox, [names["li"]])
    result = await bulkops.apply_bids(write_csv(tmp_path / "bids.csv", HEADER, rows), connection=conn(sandbox),
                                      run_dir=tmp_path / "run", dry_run=True)
    assert writes(sandbox) == 0 and state(sandbox, [names["li"]]) == before
    assert result.outcomes["planned"] == 3 and result.summary["planned_requests"] == 2
    planned = read_csv(result.files.extra["requests"])
    assert sorted(planned, key=lambda r: r["action"]) == [
        {"lineItemId": names["li"], "action": "add", "operations": "1", "requests": "1"},
        {"lineItemId": names["li"], "action": "set-bid", "operations": "2", "requests": "1"}]
    # the estimate covers the reads the real run repeats, not only the two writes: (reads + 2) at 250/min
    reads = result.summary["phases"]["reading"]["requests"]
    assert reads > 0 and result.summary["estimated_run_s"] == round((reads + 2) / 250 * 60, 1)
    assert {r["outcome"] for r in read_csv(result.files.results)} == {"planned", "failed", "skipped"}
    assert len(read_csv(result.files.errors)) == 11  # the rows to fix before the real run, and only those


async def test_no_snapshot_sends_every_valid_row_and_the_api_has_the_last_word(sandbox: Sandbox,
                                                                                tmp_path: Path) -> None:
    rows, names = _sheet(sandbox)
    with pytest.raises(bulkops.UsageError, match="add=True"):  # blind bids could add products: only when asked
        await bulkops.apply_bids(tmp_path / "nope.csv", connection=conn(sandbox), snapshot=False)
    result = await bulkops.apply_bids(write_csv(tmp_path / "bids.csv", HEADER, rows), connection=conn(sandbox),
                                      run_dir=tmp_path / "run", snapshot=False, add=True)
    report = {int(r["inputRow"]): r for r in read_csv(result.files.results)}
    assert report[9]["errorCode"] == "bid-override-not-allowed" and report[9]["httpStatus"] == "400"
    assert report[10]["errorCode"] == "bid-override-below-min-bid"
    assert report[12]["outcome"] == "failed" and report[12]["httpStatus"] in ("403", "404")
    assert report[2]["outcome"] == "succeeded" and result.files.undo is None


async def test_many_line_items_are_listed_not_read_one_by_one(sandbox: Sandbox, tmp_path: Path) -> None:
    """A sheet over many line items reads their fields from the account listing (a page for 500), not a GET
    each; a line item the listing lacks is still read (and fails) on its own."""
    auction = line_items(sandbox, "auction", "active")
    assert len(auction) >= 6
    preferred = line_items(sandbox, "preferred")[0]
    rows = [[li, sorted(sandbox.control.retail_media.products(li))[0], "1.91", ""] for li in auction]
    rows += [[preferred, sorted(sandbox.control.retail_media.products(preferred))[0], "1.91", ""],
             ["99999999", "X1", "1.91", ""]]
    path = write_csv(tmp_path / "bids.csv", HEADER, rows)
    sandbox.control.reset_stats()
    result = await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run")
    routes = sandbox.control.stats()["routes"]
    one_by_one = sum(n for r, n in routes.items() if r.startswith("GET ") and "/line-items/" in r
                     and not r.endswith("/products"))
    assert one_by_one == 1  # only the unknown line item
    assert any(r.endswith("/accounts/{accountId}/line-items") for r in routes)
    assert result.outcomes["succeeded"] == len(auction) and result.outcomes["failed"] == 2
    codes = sorted(r["errorCode"] for r in read_csv(result.files.results) if r["outcome"] == "failed")
    assert codes == ["bid-on-preferred", "line-item-not-found"], codes


async def test_a_line_item_of_an_account_out_of_reach_says_so_not_that_it_was_not_found(sandbox: Sandbox,
                                                                                        tmp_path: Path) -> None:
    """The API's 403 (the line item is there, in an account these credentials may not use) and its 404 (no such
    line item) ask different things of the user: access, or the right id."""
    rm = sandbox.control.retail_media
    theirs = rm.line_item_ids(rm.hidden_account_ids()[0])[0]
    path = write_csv(tmp_path / "bids.csv", HEADER, [[theirs, "sku1", "1.00", ""], ["99999999", "sku1", "1.00", ""]])
    result = await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run")
    errors = {r["lineItemId"]: r for r in read_csv(result.files.errors)}
    assert errors[theirs]["errorCode"] == "no-access" and "ask for access" in errors[theirs]["error"]
    assert errors["99999999"]["errorCode"] == "line-item-not-found"
    assert writes(sandbox) == 0


@pytest.mark.parametrize("snapshot", [True, False])
async def test_a_blank_bid_never_clears_an_override_with_add_either(sandbox: Sandbox, tmp_path: Path,
                                                                    snapshot: bool) -> None:
    """A blank bid leaves the product as it is (`none` clears): --add turns bids on SKUs not there into
    additions, not blank cells into cleared overrides. With --add, a blank row adds a SKU not there with no
    override, as `action=add` does; blind (no snapshot), a blank row is not sent and says why."""
    li = line_items(sandbox, "auction", "active")[0]
    products = sandbox.control.retail_media.products(li)
    with_bid = [s for s in sorted(products) if products[s]["bidOverride"] is not None][:2]
    catalog = sandbox.control.retail_media.catalog(sandbox.control.retail_media.line_item(li)["targetRetailerId"])
    new, also_new = [s for s in sorted(catalog) if s not in products][:2]
    rows = [[li, with_bid[0], "", ""], [li, with_bid[1], "", "add"], [li, new, "", "add"], [li, also_new, "", ""]]
    before = state(sandbox, [li])

    result = await bulkops.apply_bids(write_csv(tmp_path / "bids.csv", HEADER, rows), connection=conn(sandbox),
                                      run_dir=tmp_path / "run", snapshot=snapshot, add=True)

    report = {int(r["inputRow"]): r for r in read_csv(result.files.results)}
    now = sandbox.control.retail_media.products(li)
    assert now[with_bid[0]] == products[with_bid[0]]
    assert now[new]["bidOverride"] is None  # an `add` with no bid adds the SKU with none
    if snapshot:  # the blank row of a SKU already there leaves it as it is (blind, the API has the last word)
        assert [(report[n]["outcome"], report[n]["errorCode"]) for n in (2, 3, 5)] == [
            ("skipped", "no-op"), ("skipped", "no-op"), ("succeeded", "")]
        assert {s: v for s, v in now.items() if s not in (new, also_new)} == before[li]
        assert now[also_new]["bidOverride"] is None  # --add and action=add: one ask
    else:
        assert [(report[n]["outcome"], report[n]["errorCode"]) for n in (2, 5)] == [("skipped", "no-bid")] * 2
        assert "--no-snapshot" in report[5]["message"] and also_new not in now


async def test_a_bid_on_a_row_whose_action_sets_none_fails_and_nothing_is_sent_for_it(sandbox: Sandbox,
                                                                                     tmp_path: Path) -> None:
    li = line_items(sandbox, "auction", "active")[0]
    products = sandbox.control.retail_media.products(li)
    active = sorted(s for s, p in products.items() if p["status"] == "active")
    path = write_csv(tmp_path / "bids.csv", HEADER, [
        [li, active[0], "0.77", "pause"],   # 2 a bid the pause would drop
        [li, active[1], "0.78", ""],        # 3 a bid: set
        [li, active[2], "", "pause"],       # 4 a pause: done
        [li, active[3], "none", "remove"],  # 5 `none` is a filled cell too
    ])
    before = sandbox.control.retail_media.products(li)

    result = await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run")

    report = {int(r["inputRow"]): r for r in read_csv(result.files.results)}
    assert {n: (r["outcome"], r["errorCode"], r["errorColumn"]) for n, r in report.items()} == {
        2: ("failed", "bid-with-action", "bid"), 3: ("succeeded", "", ""), 4: ("succeeded", "", ""),
        5: ("failed", "bid-with-action", "bid")}
    assert "action pause sets no bid" in report[2]["message"]
    after = sandbox.control.retail_media.products(li)
    assert after[active[0]] == before[active[0]] and after[active[3]] == before[active[3]]  # nothing sent for them
    assert after[active[2]]["status"] == "paused" and after[active[1]]["bidOverride"] in (0.78, "0.78")
    assert [r["sku"] for r in read_csv(result.files.errors)] == [active[0], active[3]]  # fix and feed back


async def test_the_same_bid_written_two_ways_is_a_repeat_not_a_conflict(sandbox: Sandbox, tmp_path: Path) -> None:
    li = line_items(sandbox, "auction", "active")[0]
    skus = sorted(sandbox.control.retail_media.products(li))
    path = write_csv(tmp_path / "bids.csv", HEADER, [
        [li, skus[0], "1.50", ""],   # 2 sent ...
        [li, skus[0], "1.5", ""],    # 3 ... and these are the same bid: done once
        [li, skus[0], "1,5", ""],    # 4
        [li, skus[1], "1.40", ""],   # 5 other values: nobody can tell which was meant
        [li, skus[1], "1.41", ""],   # 6
        [li, skus[2], "1.5", ""],    # 7 a blank action is the verb's: the same as ...
        [li, skus[2], "1.50", "set-bid"],  # 8 ... this row
        [li, skus[3], "1.70", ""],   # 9 ... and this one differs from ...
        [li, skus[3], "1.90", "set-bid"],  # 10 ... this one
    ])

    result = await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run")

    report = {int(r["inputRow"]): r for r in read_csv(result.files.results)}
    assert {n: (r["outcome"], r["errorCode"]) for n, r in report.items()} == {
        2: ("succeeded", ""), 3: ("skipped", "duplicate"), 4: ("skipped", "duplicate"),
        5: ("failed", "duplicate-conflict"), 6: ("failed", "duplicate-conflict"),
        7: ("succeeded", ""), 8: ("skipped", "duplicate"),
        9: ("failed", "duplicate-conflict"), 10: ("failed", "duplicate-conflict")}
    assert "same as row 2" in report[3]["message"] and "same as row 2" in report[4]["message"]
    assert sandbox.control.retail_media.products(li)[skus[0]]["bidOverride"] == 1.5


async def test_a_product_on_many_rows_names_a_few_of_them_in_each_message(sandbox: Sandbox, tmp_path: Path) -> None:
    """40 rows of one product with 40 bids: each fails, naming five of the others and counting the rest (a message
    per row listing every other row grows with the square of the rows); 3 equal rows of another: done once."""
    li = line_items(sandbox, "auction", "active")[0]
    skus = sorted(sandbox.control.retail_media.products(li))
    rows = [[li, skus[0], f"1.{n:02d}", ""] for n in range(10, 50)] + [[li, skus[1], "1.33", ""]] * 3
    result = await bulkops.run("bids", write_csv(tmp_path / "bids.csv", HEADER, rows), connection=conn(sandbox),
                               options=bulkops.RunSettings(tmp_path / "run", dry_run=True))
    report = {int(r["inputRow"]): r for r in read_csv(result.files.results)}
    assert all(report[n]["errorCode"] == "duplicate-conflict" for n in range(2, 42))
    assert report[7]["message"].endswith("is also on row(s) 2, 3, 4, 5, 6 and 34 more with other values; keep one")
    assert "row(s) 3, 4, 5, 6, 7 and 34 more" in report[2]["message"]
    assert [report[n]["outcome"] for n in (42, 43, 44)] == ["planned", "skipped", "skipped"]


async def test_actions_that_undo_each_other_on_one_product_fail_together(sandbox: Sandbox, tmp_path: Path) -> None:
    """A remove and a bid on one product (the bid's append would re-add it), a pause and an unpause: one file
    cannot ask both; all their rows fail, nothing is sent for them. A bid and a pause on one product go."""
    li = line_items(sandbox, "auction", "active")[0]
    products = sandbox.control.retail_media.products(li)
    active = sorted(s for s, p in products.items() if p["status"] == "active")
    path = write_csv(tmp_path / "bids.csv", HEADER, [
        [li, active[0], "", "remove"],     # 2 ... clashes with 3
        [li, active[0], "1.77", ""],       # 3
        [li, active[1], "", "pause"],      # 4 ... clashes with 5
        [li, active[1], "", "unpause"],    # 5
        [li, active[2], "1.78", ""],       # 6 a bid and a pause: both done
        [li, active[2], "", "pause"],      # 7
    ])
    before = sandbox.control.retail_media.products(li)

    result = await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run")

    report = {int(r["inputRow"]): r for r in read_csv(result.files.results)}
    assert {n: (r["outcome"], r["errorCode"]) for n, r in report.items()} == {
        2: ("failed", "conflicting-actions"), 3: ("failed", "conflicting-actions"),
        4: ("failed", "conflicting-actions"), 5: ("failed", "conflicting-actions"),
        6: ("succeeded", ""), 7: ("succeeded", "")}
    assert "row 3 to set-bid" in report[2]["message"] and report[2]["errorColumn"] == "action"
    after = sandbox.control.retail_media.products(li)
    assert after[active[0]] == before[active[0]] and after[active[1]] == before[active[1]]
    assert after[active[2]]["status"] == "paused" and after[active[2]]["bidOverride"] == 1.78


async def test_a_pause_or_unpause_of_a_product_another_row_removes_is_moot(sandbox: Sandbox, tmp_path: Path) -> None:
    """The undo file of a run that added a product and paused it removes it and unpauses it: the remove goes,
    the unpause is skipped (the product is gone), and the line item is as it was."""
    li = line_items(sandbox, "auction", "active")[0]
    sku = sorted(sandbox.control.retail_media.products(li))[0]
    path = write_csv(tmp_path / "undo.csv", HEADER, [[li, sku, "", "remove"], [li, sku, "", "unpause"]])

    result = await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run")

    report = {int(r["inputRow"]): r for r in read_csv(result.files.results)}
    assert (report[2]["outcome"], report[3]["outcome"], report[3]["errorCode"]) == \
        ("succeeded", "skipped", "removed-by-row")
    assert "row 2 removes" in report[3]["message"] and sku not in sandbox.control.retail_media.products(li)


@pytest.mark.parametrize("shuffled", [True, False])
async def test_a_shuffled_sheet_stopped_while_planned_resumes_to_every_row_in_its_place(
        sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shuffled: bool) -> None:
    """Line items planned in another order than the sheet's rows, batch by batch, and a Ctrl-C between two batches:
    resume plans the rest, and the results list every row where the sheet has it, each bid sent once. A sheet in
    line item order (planned in row order, with no index by line item) stops and resumes the same."""
    monkeypatch.setattr(pipeline, "PLAN_BATCH", 3)  # a line item a batch
    items = line_items(sandbox, "auction", "active")[:4]
    rows = [[li, sku, f"{1 + n % 7}.{n % 10}0", ""] for li in items
            for n, sku in enumerate(sorted(sandbox.control.retail_media.products(li))[:5])]
    order = [*rows[1::2], *rows[::2]] if shuffled else rows  # the line items interleave down the sheet, or not
    path = write_csv(tmp_path / "bids.csv", HEADER, order)
    planned = journal_module.Journal.record_plan
    calls = 0

    def stopping(self: journal_module.Journal, *args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt
        planned(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(journal_module.Journal, "record_plan", stopping)
    with pytest.raises(KeyboardInterrupt):
        await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run", snapshot=False, add=True)
    assert writes(sandbox) == 0
    with journal_module.Journal.open(tmp_path / "run") as peek:
        assert peek.meta()["grouped"] is not shuffled
    monkeypatch.setattr(journal_module.Journal, "record_plan", planned)
    result = await bulkops.resume(tmp_path / "run", connection=conn(sandbox))
    report = read_csv(result.files.results)
    assert [(r["lineItemId"], r["sku"], r["bid"]) for r in report] == [tuple(r[:3]) for r in order]
    assert [int(r["inputRow"]) for r in report] == list(range(2, len(order) + 2))
    assert [(r["outcome"], r["after"]) for r in report] == [("succeeded", f"added yes, bidOverride {r[2]}") for r in order]
    products = {li: sandbox.control.retail_media.products(li) for li in items}
    assert all(products[li][sku]["bidOverride"] == float(bid) for li, sku, bid, _ in order)
    assert writes(sandbox) == 4  # one request per line item: nothing planned twice


async def test_blind_adds_whose_answers_were_lost_are_read_back_not_sent_again(sandbox: Sandbox,
                                                                               tmp_path: Path) -> None:
    """A run with --no-snapshot --add stopped with its requests sent and no answer seen: resume finds the bids
    in place (nothing sent twice) and settles the row on a line item that does not exist as failed, not unknown
    for ever."""
    li = line_items(sandbox, "auction", "active")[0]
    skus = sorted(sandbox.control.retail_media.products(li))[:3]
    rows = [[li, sku, f"1.{n}5", ""] for n, sku in enumerate(skus)] + [["99999999", skus[0], "1.00", ""]]
    path = write_csv(tmp_path / "bids.csv", HEADER, rows)
    done = await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run", snapshot=False,
                                    add=True)
    assert done.outcomes["succeeded"] == 3 and done.outcomes["failed"] == 1
    answers_lost(tmp_path / "run")
    sandbox.control.reset_stats()

    result = await bulkops.resume(tmp_path / "run", connection=conn(sandbox))

    report = {int(r["inputRow"]): r for r in read_csv(result.files.results)}
    assert [report[n]["outcome"] for n in (2, 3, 4)] == ["succeeded"] * 3
    assert report[5]["outcome"] == "failed" and report[5]["httpStatus"] in ("403", "404")
    assert writes(sandbox) == 1  # only the one that cannot have been applied, sent again to hear why


async def test_a_bid_emptied_in_an_export_fails_the_row_instead_of_reading_as_nothing_to_do(
        sandbox: Sandbox, tmp_path: Path) -> None:
    """An export whose bidOverride cell was emptied (meant: clear it): a blank leaves a bid as it is, so the row
    fails naming the cell and saying how to clear it, as line-items does; nothing is sent; `none` then clears."""
    emptied, row = await edited_export(sandbox, tmp_path, "emptied",
                                       lambda r: r["entity"] == "product" and bool(r["bidOverride"]), bidOverride="")
    sandbox.control.reset_stats()

    result = await bulkops.apply_bids(emptied, connection=conn(sandbox), run_dir=tmp_path / "emptied")

    assert writes(sandbox) == 0 and result.exit_code == 1
    [error] = read_csv(result.files.errors)
    assert (error["productId"], error["errorCode"], error["errorColumn"]) == (row["productId"], "emptied",
                                                                              "bidOverride")
    assert "write none to clear the override" in error["error"]
    error["bidOverride"] = "none"
    fixed = write_csv(tmp_path / "fixed.csv", list(error), [list(error.values())])
    again = await bulkops.apply_bids(fixed, connection=conn(sandbox), run_dir=tmp_path / "fixed")
    assert again.outcomes["succeeded"] == 1
    assert sandbox.control.retail_media.products(row["lineItemId"])[row["productId"]]["bidOverride"] is None
