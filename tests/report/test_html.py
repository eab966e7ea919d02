"""report.html in a real headless browser: self-contained, silent, and showing the numbers summary.json holds."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

import bulkops
from bulkops.report.html import _problems, build_report
from bulkops.runner.events import Progress
from bulkops.runner.journal import Journal
from bulkops.sandbox import Sandbox
from bulkops.types import Operation, Outcome, OutcomeStatus
from tests.jobs.conftest import conn, line_items, write_csv
from tests.trust.conftest import FAST

CHROMEDRIVER = Path("/usr/bin/chromedriver")  # Debian's chromium-driver (.ci/run installs it)
SCREENSHOT = Path("/tmp/bulkops-report.png")
BAD = {3: ("", "1.00"), 10: (None, "abc"), 17: (None, "-1"), 30: ("99999999", "1.00"), 41: (None, "abc"),
       50: (None, "5000")}  # row index → (lineItemId instead of the real one, bid)


def _sheet(sb: Sandbox, path: Path) -> Path:
    """About 80 bids over several line items, six of them bad in different ways, two SKUs not in the catalog."""
    items = line_items(sb, "auction", "active")
    pairs = [(li, sku) for li in items for sku in sorted(sb.control.retail_media.products(li))][:80]
    rows = []
    for i, (li, sku) in enumerate(pairs):
        other, bid = BAD.get(i, (None, "1.11"))
        rows.append([li if other is None else other, sku, bid])
    rows += [[items[0], "NOPE-1", "1.20"], [items[1], "NOPE-2", "1.30"]]
    return write_csv(path, ("lineItemId", "sku", "bid"), rows)


@pytest.fixture
async def run_dir(make_sandbox: Callable[..., AbstractAsyncContextManager[Sandbox]], tmp_path: Path) -> Path:
    """A finished run with failed rows, retries, 429s and server errors."""
    async with make_sandbox(error_rate=0.1, reset_rate=0.05, seed=4) as sb:
        burst: list[str] = []

        def listen(p: Progress) -> None:
            # the 429s come once the preflight is behind (a preflight answered 429 refuses the whole run)
            if not burst:
                burst.append(p.phase)
                sb.control.burst_429(3)

        await bulkops.api.run("bids", _sheet(sb, tmp_path / "bids.csv"), connection=conn(sb), listener=listen,
                              options=bulkops.api.RunSettings(tmp_path / "run", tuning=FAST))
    return tmp_path / "run"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """Debian's chromium, headless, with a fresh profile and its console log kept."""
    if not CHROMEDRIVER.is_file():
        pytest.skip("chromium-driver is not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1280,1000", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bulkops", "report", *args], capture_output=True, text=True,
                          timeout=60)


def _shown(driver: Any, css: str) -> dict[str, str]:
    """element id → data-value of the elements a selector finds."""
    return driver.execute_script(
        "return Object.fromEntries([...document.querySelectorAll(arguments[0])]"
        ".map(e => [e.id, e.dataset.value]))", css)


def test_the_page_shows_the_summary_and_fetches_nothing(run_dir: Path, browser: Any) -> None:
    done = _cli(str(run_dir))
    page = run_dir / "report.html"
    assert (done.returncode, done.stdout.strip()) == (0, str(page))
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["outcomes"]["failed"] >= 8 and summary["retries"] and summary["rate_limited"] >= 3

    browser.get(page.as_uri())
    assert browser.get_log("browser") == []  # no console error, no refused load
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"""<script|<link|<img|@import|\b(src|href)\s*=\s*["'](?!#)|url\((?!#)""", html, re.IGNORECASE)

    counts = _shown(browser, "[id^=count-]")
    assert {k.removeprefix("count-"): int(v) for k, v in counts.items()} == summary["outcomes"]
    stats = {k.removeprefix("stat-"): float(v) for k, v in _shown(browser, "[id^=stat-]").items()}
    assert stats == {k: float(summary[k]) for k in ("requests", "retries", "rate_limited", "wall_time_s",
                                                   "achieved_rate_per_min", "quota_per_min")}
    assert browser.find_element("id", "target").text == summary["target"]
    chart = browser.find_element("css selector", ".chart svg")
    assert chart.size["height"] > 100 and chart.size["width"] > 600
    # pygal links its tooltip script from kozea.github.io unless told not to: nothing may point off the page
    links = browser.execute_script(
        "return [...document.querySelectorAll('*')].flatMap(e => [e.getAttribute('src'), e.getAttribute('href'),"
        " e.getAttributeNS('http://www.w3.org/1999/xlink', 'href')]).filter(v => v !== null)")
    assert all(v.startswith("#") for v in links), links
    assert browser.find_elements("css selector", "script") == [] and "kozea.github.io" not in html
    assert re.fullmatch(r"\w[\w ]* \d+–\d+ s( · \w[\w ]* \d+–\d+ s)*", browser.find_element("id", "phases").text)
    assert "sending" in browser.find_element("id", "phases").text

    not_a_number = browser.find_element("id", "problem-not-a-number")
    assert not_a_number.get_attribute("data-count") == "2" and "12" in not_a_number.text and "abc" in not_a_number.text
    assert "How to fix" in not_a_number.text
    assert "NOPE-1" in browser.find_element("id", "problem-not-in-catalog").text
    assert "Slowest line items" in browser.find_element("id", "slowest").text

    browser.set_window_size(1280, browser.execute_script("return document.documentElement.scrollHeight") + 120)
    browser.save_screenshot(str(SCREENSHOT))


def test_report_says_plainly_when_there_is_no_run(tmp_path: Path) -> None:
    done = _cli(str(tmp_path))
    assert done.returncode == 2 and "holds no bulkops run" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "report.html").exists()
    with pytest.raises(bulkops.errors.JournalError):
        build_report(tmp_path)


def test_rows_not_sent_are_counted_by_row_with_the_first_few_shown(tmp_path: Path) -> None:
    """An interrupted run's page counts the rows not sent (not their operations: a SKU paused on 40 line items is
    one row) and names the first of them, without reading every operation."""
    ops = [Operation(row, "pause", f"li{n}", "sku", {"status": "paused"}) for row in range(2, 7) for n in range(40)]
    with Journal.create(tmp_path / "run", {"job": "status"}) as journal:
        journal.add_operations(ops)
        journal.record([(op, Outcome(op.row_number, OutcomeStatus.SUCCEEDED, attempts=1)) for op in ops[:40]])
        journal.record([(ops[45], Outcome(3, OutcomeStatus.SUCCEEDED, attempts=1))])
        (problem,) = _problems(journal, False, {})
    assert (problem.code, problem.count) == ("not-sent", 4)  # rows 3 (in part), 4, 5 and 6
    assert [e["row"] for e in problem.examples] == [3, 4, 5]


async def test_a_run_within_one_second_is_said_in_words_not_drawn_as_one_bar(sandbox: Sandbox, tmp_path: Path) -> None:
    """A 10-row job's requests all fit in a second: its page says what they were instead of drawing a chart of
    one bar; a run over several seconds gets its chart."""
    li = line_items(sandbox, "auction", "active")[0]
    skus = sorted(sandbox.control.retail_media.products(li))[:3]
    sheet = write_csv(tmp_path / "bids.csv", ["lineItemId", "productId", "bidOverride"], [[li, s, "1.31"] for s in skus])
    run = tmp_path / "run"
    await bulkops.api.run("bids", sheet, connection=conn(sandbox), options=bulkops.api.RunSettings(run))
    with Journal.open(run) as journal:
        made = [sum(t[i] for t in journal.timeline()) for i in range(2, 6)]
    assert made[0] >= 2 and made[1:] == [0, 0, 0]  # its reads and its one write, nothing retried

    def page_with(seconds: list[int]) -> str:
        with sqlite3.connect(run / "journal.sqlite") as db:
            db.execute("DELETE FROM timeline")
        with Journal.open(run) as journal:
            journal.add_timeline([(s, "sending", made[0], 0, 0, 0) for s in seconds])
        return build_report(run).read_text(encoding="utf-8")

    short = page_with([1_800_000_000])
    said = re.search(r'id="within-a-second">([^<]*)<', short)
    assert said and said.group(1) == (f"Every request of this run went within one second: {made[0]} requests,"
                                      " 0 retries, 0 429 answers, 0 errors.")
    assert "<svg" not in short
    assert "<svg" in page_with([1_800_000_000, 1_800_000_001])
