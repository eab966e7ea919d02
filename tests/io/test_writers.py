"""CSV reports are written column by column (pyarrow); every cell reads as `guard` and the csv module make it,
and the cells Excel would change are counted as `EXCEL_CHANGES` matches them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bulkops.io.writers import EXCEL_CHANGES, TableWriter, guard

CELLS = st.one_of(st.none(), st.integers(-5, 10**18), st.sampled_from(
    ["", "plain", "=1+1", "+33 6", "-3", "-x", "@sum", "\tlead", "a,b", 'say "hi"', "two\nlines", "bell\x07",
     "\x1fsep", "00123", "1e5", "é ü", "=", "'=quoted"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(CELLS, CELLS, CELLS), min_size=1, max_size=30))  # short lists: columns of repeated and
# of distinct cells, which the writer treats differently
def test_csv_cells_read_back_as_guard_makes_them(tmp_path_factory, rows: list[tuple[object, ...]]) -> None:
    path: Path = tmp_path_factory.mktemp("w") / "out.csv"
    with TableWriter(path, ["a", "b", "n"], integer=("n",)) as writer:
        columns = list(zip(*rows, strict=True))
        writer.write_columns({"a": list(columns[0]), "b": list(columns[1]), "n": list(columns[2])})
    text = path.read_text(encoding="utf-8-sig")
    read = list(csv.reader(io.StringIO(text, newline="")))
    assert read[0] == ["a", "b", "n"]
    assert read[1:] == [["" if v is None else guard(str(v)) for v in row] for row in rows]
    texts = [str(v) for row in rows for v in row[:2] if v is not None]
    mangled = [t for t in texts if EXCEL_CHANGES.match(t)]
    assert sum(n for n, _ in writer.excel_changes.values()) == len(mangled)
    firsts = {c: next(str(r[i]) for r in rows if r[i] is not None and EXCEL_CHANGES.match(str(r[i])))
              for i, c in enumerate("ab") if c in writer.excel_changes}
    assert {c: first for c, (_, first) in writer.excel_changes.items()} == firsts


def test_excel_warnings_know_ids_from_quantities(tmp_path: Path) -> None:
    """An EAN-13 barcode (12+ digits: General format saves it as 4.00638E+12) in any column; a decimal in a
    column of ids (MPO's seller-campaign id, seller.campaign, becomes a number); not a bid written 1.50."""
    with TableWriter(tmp_path / "out.csv", ["sellerCampaignId", "productId", "bid", "note"]) as writer:
        writer.write_columns({"sellerCampaignId": ["10600004.430000", "10600004.430001", "x.1"],
                              "productId": ["4006381333931", "12345678901", "sku-1"],
                              "bid": ["1.50", "2.00", "3"], "note": ["ok", "123456789012", ""]})
    assert writer.excel_changes == {"sellerCampaignId": (2, "10600004.430000"), "productId": (1, "4006381333931"),
                                    "note": (1, "123456789012")}
