"""bulkops against what a Criteo user would otherwise write: a loop over the official, synchronous
`criteo-api-retailmedia-sdk`, one call at a time. Everything runs against sandboxes in their own processes.

    .venv/bin/python benchmarks/alternatives.py            # full run (~15-20 min on 2 cores)
    .venv/bin/python benchmarks/alternatives.py --quick    # smoke run, everything shrunk (~2 min)
    .venv/bin/python benchmarks/alternatives.py --big      # also the 1,000,000-row CPU/memory point

Jobs (quota off, mean added latency 50 ms):
  1. bids: a bid sheet (bidOverride on promoted products of auction line items) over 1,000 line items;
  2. pause: rows of productId alone, paused wherever the account promotes them;
  3. export: campaigns, line items and every promoted product of a 1,000-line-item account.
Contenders: bulkops (its CLI, in a subprocess, as a user runs it) / the SDK one call per row / the SDK one
call per line item. Then the bid job at a 250/min quota (wall time over the floor, requests), then client
CPU and peak RSS of bulkops for growing bid sheets. The printed tables are also written to
benchmarks/ALTERNATIVES.md. This is a report: nothing here asserts on a timing.
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import os
import platform
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sandbox_proc import CLIENT_ID, CLIENT_SECRET, PYTHON, ChildRun, SandboxProc, run_child
from criteo_api_retailmedia_v2027_01 import ApiClientBuilder
from criteo_api_retailmedia_v2027_01.api.campaign_api import CampaignApi
from criteo_api_retailmedia_v2027_01.exceptions import ApiException
from criteo_api_retailmedia_v2027_01.model.promoted_product import PromotedProduct
from criteo_api_retailmedia_v2027_01.model.promoted_product_resource import (
    PromotedProductResource as Res,
)
from criteo_api_retailmedia_v2027_01.model.promoted_product_resource_collection_input import (
    PromotedProductResourceCollectionInput as In,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ACCOUNT = "4000"
LATENCY_MS = 50.0
CONCURRENCY = 16
PRODUCT = "RetailMediaPromotedProduct"
MAX_BATCH = 500  # products per append/pause call
# bulkops without its reading pass; `--add` is required with it (every SKU of these sheets is already on its
# line item, so it changes nothing here but the permission)
BLIND = ("--no-snapshot", "--add")


@dataclass
class Sizes:
    bid_line_items: int = 1000
    bid_rows: int = 20_000
    pause_skus: int = 5000
    export_line_items: int = 1000
    per_row_sample: int = 500  # calls of the per-row loop actually made, then extrapolated
    per_li_full_limit_s: float = 180.0  # the per-line-item loop runs in full if it should take less than this
    quota_line_items: int = 100
    quota: int = 250
    cpu_rows: tuple[int, ...] = (10_000, 100_000)


@dataclass
class Row:
    """One measured figure: which table, which job, which contender, the numbers, how they were obtained."""
    table: str
    job: str
    contender: str
    cells: dict[str, Any]
    how: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, table: str, job: str, contender: str, how: str = "", **cells: Any) -> Row:
        row = Row(table, job, contender, cells, how)
        self.rows.append(row)
        print(f"  [{table}] {job} / {contender}: "
              + ", ".join(f"{k}={_fmt(v)}" for k, v in cells.items()) + (f"  ({how})" if how else ""),
              file=sys.stderr, flush=True)
        return row


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------------
# inputs, built from the sandbox itself (bulkops export at latency 0)
# --------------------------------------------------------------------------------------------------------
@dataclass
class Inventory:
    line_items: dict[str, dict[str, str]]  # id → export row (type, campaignId, ...)
    products: list[tuple[str, str]]  # (lineItemId, productId)

    def auction_ids(self) -> list[str]:
        return sorted((i for i, r in self.line_items.items() if r["type"].lower() == "auction"), key=int)


def read_inventory(sb: SandboxProc, folder: Path) -> Inventory:
    sb.set_latency(0)
    out = folder / "inventory.csv"
    run = run_child([PYTHON, "-m", "bulkops", "export", "--account", ACCOUNT, "--out", str(out),
                     *connection(sb)], cwd=folder)
    sb.set_latency(LATENCY_MS)
    if run.returncode != 0:
        raise RuntimeError(f"export for the inputs failed: {run.stderr[-2000:]}")
    line_items: dict[str, dict[str, str]] = {}
    products: list[tuple[str, str]] = []
    with open(out, encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            if r["entity"] == "lineItem":
                line_items[r["lineItemId"]] = r
            elif r["entity"] == "product":
                products.append((r["lineItemId"], r["productId"]))
    return Inventory(line_items, products)


def bid_of(rng: random.Random) -> float:
    """1.005-2.995: above every min bid (≤ 0.90), never equal to a generated bid (two decimals)."""
    return round(rng.uniform(1.0, 2.99), 2) + 0.005


def make_bid_sheet(inv: Inventory, line_items: int, rows: int, path: Path,
                   seed: int = 7) -> list[tuple[str, str, float]]:
    """`rows` products of the first `line_items` auction line items (a seeded sample if there are more)."""
    chosen = set(inv.auction_ids()[:line_items])
    pool = [p for p in inv.products if p[0] in chosen]
    rng = random.Random(seed)
    picked = sorted(rng.sample(pool, rows) if len(pool) > rows else pool, key=lambda p: (int(p[0]), p[1]))
    sheet = [(li, sku, bid_of(rng)) for li, sku in picked]
    write_csv(path, ["lineItemId", "productId", "bidOverride"], sheet)
    return sheet


def make_sku_sheet(inv: Inventory, skus: int, path: Path, seed: int = 11) -> list[str]:
    distinct = sorted({sku for _, sku in inv.products})
    rng = random.Random(seed)
    picked = sorted(rng.sample(distinct, skus)) if len(distinct) > skus else distinct
    write_csv(path, ["productId"], [(s,) for s in picked])
    return picked


def write_csv(path: Path, header: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


# --------------------------------------------------------------------------------------------------------
# bulkops: the CLI in a subprocess, as a user runs it
# --------------------------------------------------------------------------------------------------------
def connection(sb: SandboxProc) -> list[str]:
    return ["--base-url", sb.url, "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]


@dataclass
class Measured:
    wall_s: float
    requests: int  # API requests the sandbox saw (token requests apart)
    token_requests: int = 0
    rate_limited: int = 0
    extrapolated: bool = False
    how: str = ""
    child: ChildRun | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    routes: dict[str, int] = field(default_factory=dict)

    def route_mix(self) -> str:
        """The requests per route, most first: `GET /line-items/{lineItemId}/products` ×1000, ..."""
        top = sorted(self.routes.items(), key=lambda kv: -kv[1])
        return ", ".join(f"`{_short_route(r)}` ×{n}" for r, n in top if "oauth2" not in r and "__sandbox__" not in r)


def _short_route(route: str) -> str:
    return route.replace("/{version}/retail-media", "")


def bulkops_run(sb: SandboxProc, args: list[str], folder: Path, *, name: str) -> Measured:
    for attempt in range(4):
        sb.reset_stats()
        run = run_child([PYTHON, "-m", "bulkops", *args, *connection(sb), "--json"], cwd=folder)
        api, token, limited = sb.requests()
        routes = dict(sb.stats().get("routes", {}))
        try:
            summary = run.json()
        except ValueError:
            summary = {}
        if run.returncode in (0, 1) and summary:  # 1: some rows failed, still a finished run
            break
        if run.returncode == 2:  # bad usage or unreadable input: running it again will not help
            raise RuntimeError(f"bulkops {name} refused the command: {run.stderr.strip()[-1500:]}")
        # no summary: bulkops crashed (e.g. the package mid-edit in this checkout); wait and run it again
        log(f"bulkops {name} exited {run.returncode} without a summary (attempt {attempt + 1}): "
            f"{run.stderr.strip()[-600:]}")
        time.sleep(30)
    else:
        raise RuntimeError(f"bulkops {name} kept failing: {run.stderr[-3000:]}")
    said = summary.get("requests")
    outcomes = ", ".join(f"{n} {k}" for k, n in (summary.get("outcomes") or {}).items() if n)
    return Measured(run.wall_s, api, token, limited, child=run, summary=summary, routes=routes,
                    how=f"whole command incl. startup; CPU {run.cpu_s:.1f}s, peak RSS {run.max_rss_mb:.0f} MB"
                        + (f"; its summary says {said} requests" if said is not None else "")
                        + (f"; rows: {outcomes}" if outcomes else ""))


def bulkops_bids(sb: SandboxProc, sheet: Path, folder: Path, *extra: str) -> Measured:
    run_dir = folder / f"run-bids-{time.monotonic_ns()}"
    return bulkops_run(sb, ["bids", str(sheet), "--run-dir", str(run_dir), "--concurrency", str(CONCURRENCY),
                            *extra], folder, name="bids")


def bulkops_pause(sb: SandboxProc, sheet: Path, folder: Path) -> Measured:
    run_dir = folder / f"run-pause-{time.monotonic_ns()}"
    return bulkops_run(sb, ["pause", str(sheet), "--account", ACCOUNT, "--run-dir", str(run_dir),
                            "--concurrency", str(CONCURRENCY)], folder, name="pause")


def bulkops_export(sb: SandboxProc, folder: Path) -> Measured:
    return bulkops_run(sb, ["export", "--account", ACCOUNT, "--out", str(folder / "bulkops-export.csv"),
                            "--concurrency", str(CONCURRENCY)], folder, name="export")


# --------------------------------------------------------------------------------------------------------
# the official SDK, the obvious way: synchronous, one call at a time, one client (token reused)
# --------------------------------------------------------------------------------------------------------
def sdk_api(sb: SandboxProc) -> CampaignApi:
    return CampaignApi(ApiClientBuilder.WithClientCredentials(CLIENT_ID, CLIENT_SECRET, host=sb.url))


def retry_429(call: Callable[[], Any]) -> Any:
    """What a user adds once the quota bites: on a 429, sleep Retry-After and try again."""
    while True:
        try:
            return call()
        except ApiException as exc:
            if exc.status != 429:
                raise
            time.sleep(float((exc.headers or {}).get("Retry-After", 1)))


def sdk_append(api: CampaignApi, li: str, items: list[tuple[str, float]]) -> None:
    body = In(data=[Res(id=sku, type=PRODUCT, attributes=PromotedProduct(bid_override=bid)) for sku, bid in items])
    retry_429(lambda: api.append_promoted_products(li, promoted_product_resource_collection_input=body))


def sdk_pause(api: CampaignApi, li: str, skus: list[str]) -> None:
    body = In(data=[Res(id=sku, type=PRODUCT) for sku in skus])
    retry_429(lambda: api.pause_promoted_products(li, promoted_product_resource_collection_input=body))


def sdk_line_items(api: CampaignApi, account: str) -> list[Any]:
    found, index = [], 0
    while True:
        page = api.get_line_items_by_account_id(account, page_index=index, page_size=500)
        found += page.data
        index += 1
        if index >= page.metadata.total_pages:
            return found


def sdk_campaigns(api: CampaignApi, account: str) -> list[Any]:
    found, index = [], 0
    while True:
        page = api.get_campaigns_by_account_id(account, page_index=index, page_size=500)
        found += page.data
        index += 1
        if index >= page.metadata.total_pages:
            return found


def sdk_products(api: CampaignApi, li: str) -> list[Any]:
    found, offset = [], 0
    while True:
        page = api.fetch_promoted_products(li, offset=offset, limit=MAX_BATCH, fields="status,bidOverride")
        found += page.data
        offset += MAX_BATCH
        if len(page.data) < MAX_BATCH:
            return found


def chunks(items: list[Any], size: int = MAX_BATCH) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def sdk_measure(sb: SandboxProc, go: Callable[[], Any]) -> tuple[float, int, int, int, Any]:
    sb.reset_stats()
    began = time.perf_counter()
    out = go()
    wall = time.perf_counter() - began
    api, token, limited = sb.requests()
    return wall, api, token, limited, out


# job 1: bids ---------------------------------------------------------------------------------------------
def sdk_bids_per_row(sb: SandboxProc, sheet: list[tuple[str, str, float]], sample: int) -> Measured:
    def go() -> None:
        api = sdk_api(sb)
        for li, sku, bid in sheet[:sample]:
            sdk_append(api, li, [(sku, bid)])

    n = min(sample, len(sheet))
    wall, reqs, token, limited, _ = sdk_measure(sb, go)
    if n == len(sheet):
        return Measured(wall, reqs, token, limited, how="measured in full")
    factor = len(sheet) / n
    return Measured(wall * factor, round(reqs * factor), token, limited, extrapolated=True,
                    how=f"EXTRAPOLATED: first {n} rows measured ({wall:.1f}s, {reqs} calls) ×{factor:.0f}")


def sdk_bids_per_line_item(sb: SandboxProc, sheet: list[tuple[str, str, float]], full_limit_s: float,
                           per_call_s: float) -> Measured:
    by_li: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for li, sku, bid in sheet:
        by_li[li].append((sku, bid))
    calls = [(li, part) for li, items in by_li.items() for part in chunks(items)]
    sample = len(calls) if len(calls) * per_call_s < full_limit_s else max(50, int(full_limit_s / per_call_s / 2))

    def go() -> None:
        api = sdk_api(sb)
        for li, part in calls[:sample]:
            sdk_append(api, li, part)

    wall, reqs, token, limited, _ = sdk_measure(sb, go)
    if sample >= len(calls):
        return Measured(wall, reqs, token, limited, how=f"measured in full ({len(calls)} append calls)")
    factor = len(calls) / sample
    return Measured(wall * factor, round(reqs * factor), token, limited, extrapolated=True,
                    how=f"EXTRAPOLATED: first {sample} of {len(calls)} calls measured ({wall:.1f}s) ×{factor:.1f}")


# job 2: pause --------------------------------------------------------------------------------------------
def sdk_where_promoted(api: CampaignApi, wanted: set[str]) -> dict[str, list[str]]:
    """The reading every SDK pause loop needs first: sku → line items of the account promoting it."""
    where: dict[str, list[str]] = defaultdict(list)
    for li in sdk_line_items(api, ACCOUNT):
        for p in sdk_products(api, li.id):
            if p.id in wanted:
                where[p.id].append(li.id)
    return where


def sdk_pause_per_row(sb: SandboxProc, skus: list[str], sample: int) -> Measured:
    """Read the account's inventory (in full), then one pause call per (SKU row, line item promoting it):
    the first `sample` calls are made and timed, the rest extrapolated from the time per call."""
    api = sdk_api(sb)
    read_wall, read_reqs, token, _, where = sdk_measure(sb, lambda: sdk_where_promoted(api, set(skus)))
    calls = [(li, sku) for sku in skus for li in where.get(sku, [])]

    def go() -> None:
        for li, sku in calls[:sample]:
            sdk_pause(api, li, [sku])

    wall, reqs, _, limited, _ = sdk_measure(sb, go)
    n = min(sample, len(calls))
    if n == len(calls):
        return Measured(read_wall + wall, read_reqs + reqs, token, limited,
                        how=f"measured in full: read {read_wall:.1f}s + {len(calls)} pause calls")
    factor = len(calls) / n
    return Measured(read_wall + wall * factor, read_reqs + round(reqs * factor), token, limited, extrapolated=True,
                    how=f"EXTRAPOLATED: inventory read measured in full ({read_wall:.1f}s, {read_reqs} calls),"
                        f" first {n} of {len(calls)} pause calls measured ({wall:.1f}s) ×{factor:.1f}")


def sdk_pause_per_line_item(sb: SandboxProc, skus: list[str]) -> Measured:
    """Read the account's inventory, then one pause call per line item with all its SKUs of the sheet."""
    def go() -> int:
        api = sdk_api(sb)
        where = sdk_where_promoted(api, set(skus))
        by_li: dict[str, list[str]] = defaultdict(list)
        for sku in skus:
            for li in where.get(sku, []):
                by_li[li].append(sku)
        for li, items in by_li.items():
            for part in chunks(items):
                sdk_pause(api, li, part)
        return len(by_li)

    wall, reqs, token, limited, n_li = sdk_measure(sb, go)
    return Measured(wall, reqs, token, limited, how=f"measured in full (inventory read + {n_li} pause calls)")


# job 3: export -------------------------------------------------------------------------------------------
def sdk_export(sb: SandboxProc, path: Path) -> Measured:
    """Campaigns, line items (paged, 500 a page), then the products of each line item, into one CSV."""
    def go() -> int:
        api = sdk_api(sb)
        rows = 0
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["entity", "campaignId", "lineItemId", "productId", "name", "type", "status", "bidOverride"])
            for c in sdk_campaigns(api, ACCOUNT):
                a = c.attributes
                w.writerow(["campaign", c.id, "", "", a.get("name"), a.get("type"), a.get("status"), ""])
                rows += 1
            for li in sdk_line_items(api, ACCOUNT):
                a = li.attributes
                w.writerow(["lineItem", a.get("campaign_id"), li.id, "", a.get("name"), a.get("type"),
                            a.get("status"), ""])
                rows += 1
                for p in sdk_products(api, li.id):
                    pa = p.attributes
                    w.writerow(["product", a.get("campaign_id"), li.id, p.id, "", "", pa.get("status"),
                                pa.get("bid_override")])
                    rows += 1
        return rows

    wall, reqs, token, limited, rows = sdk_measure(sb, go)
    return Measured(wall, reqs, token, limited, how=f"measured in full ({rows} rows written)")


# --------------------------------------------------------------------------------------------------------
# the jobs, side by side
# --------------------------------------------------------------------------------------------------------
def speed_table(report: Report, job: str, rows: int, bulk: Measured, others: dict[str, Measured | None]) -> None:
    report.add("speed", job, "bulkops CLI", bulk.how, rows=rows, requests=bulk.requests, wall_s=bulk.wall_s,
               speedup="1.0×")
    for name, m in others.items():
        if m is None:
            report.add("speed", job, name, "not applicable", rows=rows, requests="—", wall_s="—", speedup="—")
            continue
        report.add("speed", job, name, m.how, rows=rows, requests=m.requests,
                   wall_s=(f"~{m.wall_s:.1f}" if m.extrapolated else m.wall_s),
                   speedup=f"{'~' if m.extrapolated else ''}{m.wall_s / bulk.wall_s:.1f}×")


def job_bids(report: Report, sizes: Sizes, folder: Path) -> tuple[SandboxProc, Inventory]:
    # 3 of 4 generated line items are auction ones: make enough for `bid_line_items` auction line items,
    # each with ~bid_rows/bid_line_items products on average (draws are 0..max_products).
    line_items = (sizes.bid_line_items * 4 + 2) // 3 + 8
    max_products = min(500, max(4, int(2.4 * sizes.bid_rows / sizes.bid_line_items)))
    sb = SandboxProc(line_items=line_items, max_products=max_products, latency_ms=LATENCY_MS).__enter__()
    log(f"bids: sandbox {sb.url} ({line_items} line items, ≤{max_products} products each, built in "
        f"{sb.started_in_s:.1f}s)")
    inv = read_inventory(sb, folder)
    sheet_path = folder / "bids.csv"
    sheet = make_bid_sheet(inv, sizes.bid_line_items, sizes.bid_rows, sheet_path)
    n_li = len({li for li, _, _ in sheet})
    job = f"1. bid sheet: {len(sheet):,} rows over {n_li:,} auction line items"
    report.notes.append(f"Job 1 sandbox: `--line-items {line_items} --max-products {max_products}` (3 in 4 line "
                        f"items are auction ones); the sheet is a seeded sample of {len(sheet):,} products of the "
                        f"first {n_li:,} auction line items, bids 1.005–2.995 (never a no-op).")
    log("bids: bulkops")
    bulk = bulkops_bids(sb, sheet_path, folder)  # first: the SDK loops send the same values again after it
    log(f"bids: SDK per row (sample {sizes.per_row_sample})")
    per_row = sdk_bids_per_row(sb, sheet, sizes.per_row_sample)
    per_call = per_row.wall_s / max(1, per_row.requests)
    log("bids: SDK per line item")
    per_li = sdk_bids_per_line_item(sb, sheet, sizes.per_li_full_limit_s, per_call)
    speed_table(report, job, len(sheet), bulk, {"SDK loop, one call per row": per_row,
                                                "SDK loop, one call per line item": per_li})
    log("bids: bulkops --no-snapshot")
    blind = bulkops_bids(sb, sheet_path, folder, *BLIND)
    report.add("speed", job, "bulkops CLI --no-snapshot --add", blind.how, rows=len(sheet), requests=blind.requests,
               wall_s=blind.wall_s, speedup=f"per-row loop ~{per_row.wall_s / blind.wall_s:.1f}×, per-line-item "
                                            f"loop {per_li.wall_s / blind.wall_s:.1f}× slower than this")
    report.notes.append(f"Job 1, bulkops' requests by route: {bulk.route_mix()}.")
    report.add("cpu", "bids, full run (snapshot, sends)", "bulkops CLI", "job 1 as above", rows=len(sheet),
               wall_s=bulk.wall_s, cpu_s=bulk.child.cpu_s if bulk.child else None,
               cpu_us_per_row=_per_row_us(bulk, len(sheet)), peak_rss_mb=bulk.child.max_rss_mb if bulk.child else None)
    return sb, inv


def job_quota(report: Report, sizes: Sizes, sb: SandboxProc, inv: Inventory, folder: Path) -> None:
    """The bid job over fewer line items at a real quota: bulkops' wall time over the floor."""
    sheet_path = folder / "bids-quota.csv"
    chosen = set(inv.auction_ids()[:sizes.quota_line_items])
    n_products = sum(1 for li, _ in inv.products if li in chosen)
    sheet = make_bid_sheet(inv, sizes.quota_line_items, n_products, sheet_path, seed=23)
    by_li: dict[str, int] = defaultdict(int)
    for li, _, _ in sheet:
        by_li[li] += 1
    fewest = sum(-(-n // MAX_BATCH) for n in by_li.values())  # one append per line item per 500 products
    floor_s = fewest / sizes.quota * 60
    job = (f"bid sheet: {len(sheet):,} rows over {len(by_li)} auction line items, quota {sizes.quota}/min, "
           f"latency {LATENCY_MS:.0f} ms")
    report.notes.append(f"Quota table: the bid job shrunk to {len(by_li)} line items (all their products) so "
                        f"that it takes seconds, not minutes, at {sizes.quota}/min. Floor = fewest possible "
                        f"requests ({fewest}: one append per line item) / quota = {floor_s:.1f}s. Token requests "
                        "are not counted against the quota by the sandbox and are left out.")
    sb.set_quota(sizes.quota)
    try:
        for label, extra in (("bulkops CLI (default: reads first)", ()),
                             ("bulkops CLI --no-snapshot --add", BLIND)):
            # fresh values each time, so that nothing is a no-op for the reading run
            sheet = make_bid_sheet(inv, sizes.quota_line_items, n_products, sheet_path, seed=29 + len(extra))
            log(f"quota: {label}")
            sb.set_quota(sizes.quota)  # a fresh one-minute window for each contender
            m = bulkops_bids(sb, sheet_path, folder, *extra)
            own_floor = m.requests / sizes.quota * 60
            report.notes.append(f"Quota table, {label}: requests by route: {m.route_mix()}.")
            report.add("quota", job, label, m.how, requests=m.requests, rate_limited=m.rate_limited,
                       wall_s=m.wall_s, floor_s=floor_s, wall_over_floor=m.wall_s / floor_s,
                       wall_over_own_requests_at_quota=m.wall_s / own_floor)
        log("quota: SDK per line item (sleeps Retry-After on a 429)")
        sb.set_quota(sizes.quota)
        m = sdk_bids_per_line_item(sb, sheet, 1e9, 0.0)
        report.add("quota", job, "SDK loop, one call per line item", m.how + "; sleeps Retry-After on a 429",
                   requests=m.requests, rate_limited=m.rate_limited, wall_s=m.wall_s, floor_s=floor_s,
                   wall_over_floor=m.wall_s / floor_s,
                   wall_over_own_requests_at_quota=m.wall_s / (m.requests / sizes.quota * 60))
    finally:
        sb.set_quota(0)


def job_cpu(report: Report, sizes: Sizes, sb: SandboxProc, inv: Inventory, folder: Path) -> None:
    """Client CPU and peak RSS of `bulkops bids --dry-run --no-snapshot` for growing synthetic sheets."""
    sb.set_latency(0)
    lis = inv.auction_ids()
    rng = random.Random(5)
    try:
        for rows in sizes.cpu_rows:
            path = folder / f"cpu-{rows}.csv"
            per_li = -(-rows // len(lis))
            skus = [f"{rng.getrandbits(44):011x}" for _ in range(per_li)]  # synthetic: nothing is read
            with open(path, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["lineItemId", "productId", "bidOverride"])
                n = 0
                for li in lis:
                    for sku in skus:
                        if n == rows:
                            break
                        w.writerow((li, sku, f"{1 + (n % 199) / 100:.2f}"))
                        n += 1
            log(f"cpu: {rows:,} rows")
            m = bulkops_bids(sb, path, folder, "--dry-run", *BLIND)
            assert m.child is not None
            report.add("cpu", f"bids --dry-run --no-snapshot --add, {len(lis)} line items", "bulkops CLI",
                       f"synthetic sheet, {per_li} products per line item; {m.requests} requests",
                       rows=rows, wall_s=m.wall_s, cpu_s=m.child.cpu_s, cpu_us_per_row=_per_row_us(m, rows),
                       peak_rss_mb=m.child.max_rss_mb)
            path.unlink()
    finally:
        sb.set_latency(LATENCY_MS)


def job_pause_and_export(report: Report, sizes: Sizes, folder: Path) -> None:
    max_products = 40
    with SandboxProc(line_items=sizes.export_line_items, max_products=max_products,
                     latency_ms=LATENCY_MS) as sb:
        log(f"export/pause: sandbox {sb.url} ({sizes.export_line_items} line items, ≤{max_products} products,"
            f" built in {sb.started_in_s:.1f}s)")
        inv = read_inventory(sb, folder)
        # job 3 first: read-only, and before the pause changes statuses
        job = (f"3. export: account of {len(inv.line_items):,} line items, "
               f"{len(inv.products):,} promoted products")
        log("export: bulkops")
        bulk = bulkops_export(sb, folder)
        log("export: SDK")
        sdk = sdk_export(sb, folder / "sdk-export.csv")
        speed_table(report, job, len(inv.products), bulk, {"SDK loop, one call per row": None,
                                                           "SDK loop, one call per line item": sdk})
        report.notes.append(f"Job 3, bulkops' requests by route: {bulk.route_mix()}. The SDK export reads "
                            "campaigns and line items 500 a page, then each line item's products (one call each); "
                            "a per-row loop has no meaning for an export.")

        sheet_path = folder / "skus.csv"
        skus = make_sku_sheet(inv, sizes.pause_skus, sheet_path)
        wanted = set(skus)
        pairs = sum(1 for _, sku in inv.products if sku in wanted)
        job = f"2. pause: {len(skus):,} SKUs across the account ({pairs:,} promoted products)"
        if len(skus) < sizes.pause_skus:
            report.notes.append(
                f"Job 2: asked for {sizes.pause_skus:,} SKUs, but the sandbox account promotes only {len(skus):,} "
                f"distinct SKUs (its retailers' catalogs hold 3 × max(1000, 3 × max-products) SKUs), so the sheet "
                f"is every SKU it promotes: {len(skus):,} rows, {pairs:,} products to pause.")
        report.notes.append(f"Jobs 2 and 3 sandbox: `--line-items {sizes.export_line_items} --max-products "
                            f"{max_products}`. The SDK pause loops first read the whole account (line items, "
                            f"then each line item's products) to find where each SKU is promoted; the per-row "
                            f"loop then makes one pause call per (SKU, line item).")
        log("pause: bulkops")
        bulk = bulkops_pause(sb, sheet_path, folder)  # first: after it, the SDK pauses paused products (same cost)
        log(f"pause: SDK per row (sample {sizes.per_row_sample} calls)")
        per_row = sdk_pause_per_row(sb, skus, sizes.per_row_sample)
        log("pause: SDK per line item")
        per_li = sdk_pause_per_line_item(sb, skus)
        speed_table(report, job, len(skus), bulk, {"SDK loop, one call per row": per_row,
                                                   "SDK loop, one call per line item": per_li})
        report.notes.append(f"Job 2, bulkops' requests by route: {bulk.route_mix()}.")


def _per_row_us(m: Measured, rows: int) -> float | None:
    return None if m.child is None else m.child.cpu_s / rows * 1e6


# --------------------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------------------
def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def machine() -> list[str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        ram = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        ram = "?"

    def ver(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "?"

    return [f"- machine: {cpu}, {os.cpu_count()} cores, {ram} RAM, {platform.system()} {platform.release()}",
            f"- Python {platform.python_version()}, bulkops {ver('bulkops')}, aiohttp {ver('aiohttp')}, "
            f"criteo-api-retailmedia-sdk {ver('criteo-api-retailmedia-sdk')}"]


TABLES = {
    "speed": ("Wall time, quota off, mean added latency 50 ms (exponential)",
              ["job", "contender", "rows", "requests", "wall_s", "speedup", "how"],
              "speedup = contender's wall time / bulkops' wall time (targets: ≥ 30× per-row loop, ≥ 3× "
              "per-line-item loop). `~` marks an extrapolated figure."),
    "quota": ("Quota on", ["job", "contender", "requests", "rate_limited", "wall_s", "floor_s", "wall_over_floor",
                           "wall_over_own_requests_at_quota", "how"],
              "target: bulkops wall / floor ≤ 1.05. wall_over_own_requests_at_quota = wall time / (its own "
              "requests / quota): how close to the quota it paces the requests it chose to make."),
    "cpu": ("Client CPU and peak memory of the bulkops process", ["job", "rows", "wall_s", "cpu_s",
                                                                  "cpu_us_per_row", "peak_rss_mb", "how"],
            "cpu_s = user + sys of the bulkops subprocess alone (os.wait4 rusage, i.e. its RUSAGE_CHILDREN); "
            "peak_rss_mb = its ru_maxrss, read by a small launcher process (see _sandbox_proc.run_child)."),
}


def render(report: Report, args: argparse.Namespace, started: float) -> str:
    out = ["# bulkops against the official SDK", "",
           f"Measured by `benchmarks/alternatives.py{' --quick' if args.quick else ''}"
           f"{' --big' if args.big else ''}` on {time.strftime('%Y-%m-%d %H:%M')} "
           f"(run took {time.perf_counter() - started:.0f}s).", "", *machine(),
           f"- each sandbox: `python -m bulkops sandbox serve --accounts 1 --quota 0 --latency-ms {LATENCY_MS:.0f} "
           f"--seed 3` in its own process on loopback (latency = mean of an exponential distribution)",
           f"- bulkops: its CLI in a subprocess, `--concurrency {CONCURRENCY}`, wall time of the whole command "
           "(interpreter start-up included); SDK loops: in the benchmark's process, synchronous, one client "
           "(token reused)",
           "- requests: API calls the sandbox counted (`/__sandbox__/stats`), token requests left out", ""]
    for key, (title, cols, legend) in TABLES.items():
        rows = [r for r in report.rows if r.table == key]
        if not rows:
            continue
        out += [f"## {title}", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for r in rows:
            cells = {"job": r.job, "contender": r.contender, "how": r.how, **r.cells}
            out.append("| " + " | ".join(_fmt(cells.get(c)) for c in cols) + " |")
        out += ["", legend, ""]
    if report.notes:
        out += ["## Notes", "", *(f"- {n}" for n in report.notes), ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shrink every job for a smoke run")
    parser.add_argument("--big", action="store_true", help="add the 1,000,000-row CPU/memory point")
    parser.add_argument("--out", type=Path, default=HERE / "ALTERNATIVES.md", help="markdown file to replace")
    args = parser.parse_args()
    sizes = Sizes()
    if args.quick:
        sizes = Sizes(bid_line_items=100, bid_rows=2000, pause_skus=500, export_line_items=100, per_row_sample=100,
                      per_li_full_limit_s=30, quota_line_items=20, cpu_rows=(10_000,))
    if args.big:
        sizes.cpu_rows = (*sizes.cpu_rows, 1_000_000)
    started = time.perf_counter()
    report = Report()
    with tempfile.TemporaryDirectory(prefix="bulkops-alt-") as tmp:
        folder = Path(tmp)
        sb, inv = job_bids(report, sizes, folder)
        try:
            job_quota(report, sizes, sb, inv, folder)
            job_cpu(report, sizes, sb, inv, folder)
        finally:
            sb.__exit__(None, None, None)
        job_pause_and_export(report, sizes, folder)
    text = render(report, args, started)
    print(text)
    args.out.write_text(text + "\n", encoding="utf-8")
    log(f"written to {args.out}")


if __name__ == "__main__":
    main()
