"""A platform plugs in without touching the shared layers: Tiny Shop (defined in tests/plugin/tinyshop.py) runs a
job, an export and a resume through the same Python API and the same CLI as the built-in platforms."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

import pytest

import bulkops
from bulkops import registry
from bulkops.runner import pipeline
from bulkops.sandbox import Sandbox
from bulkops.sandbox import registry as sandbox_registry
from tests.jobs.conftest import write_csv
from tests.plugin import tinyshop
from tests.trust.conftest import cli, cli_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def plugged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny Shop registered for this test only (client and sandbox), as a script would with `register()`."""
    monkeypatch.setattr(registry, "_registered", [])
    monkeypatch.setattr(sandbox_registry, "_registered", [])
    registry.register(tinyshop.PLATFORM)
    sandbox_registry.register(tinyshop.API)


def _plugin_dir(tmp_path: Path) -> Path:
    """An installed plugin, as pip leaves one: a dist-info with entry points (the code is in this test suite)."""
    dist = tmp_path / "site" / "tinyshop_plugin-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tinyshop-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[bulkops.platforms]\ntinyshop = tests.plugin.tinyshop:PLATFORM\n\n"
                                           "[bulkops.sandbox_apis]\ntinyshop = tests.plugin.tinyshop:API\n")
    return dist.parent


async def test_the_python_api_runs_a_plugged_in_platform(plugged: None, tmp_path: Path) -> None:
    async with Sandbox(seed=3, quota=0) as sb:
        conn = bulkops.connect(sb.base_url, api_key=sb.client_secret, platform="tinyshop")
        prices = sb.control.tinyshop.prices()
        rows = [[item, "9.99"] for item in sorted(prices)[:25]] + [["NOPE", "1"]]
        result = await bulkops.run("tiny-prices", write_csv(tmp_path / "p.csv", ("item", "price"), rows),
                                   connection=conn, options=bulkops.RunSettings(tmp_path / "run"))
        assert result.outcomes["succeeded"] == 25 and result.outcomes["failed"] == 1
        assert all(sb.control.tinyshop.prices()[item] == 9.99 for item, _ in rows[:25])
        undone = await bulkops.run("tiny-prices", result.files.undo, connection=conn,
                                   options=bulkops.RunSettings(tmp_path / "undo"))
        assert undone.exit_code == 0 and sb.control.tinyshop.prices() == prices
        exported = await bulkops.api.export("tinyshop", tmp_path / "items.csv", {}, connection=conn)
        assert exported.rows == {"row": len(prices)}


async def test_the_cli_finds_an_installed_plugin_for_a_job_an_export_and_a_resume(plugged: None,
                                                                                   tmp_path: Path) -> None:
    site = _plugin_dir(tmp_path)
    async with Sandbox(seed=3, quota=0) as sb:
        env = cli_env(PYTHONPATH=f"{site}:{ROOT}", BULKOPS_TINYSHOP_BASE_URL=sb.base_url,
                      BULKOPS_TINYSHOP_API_KEY=sb.client_secret)
        helped = await asyncio.to_thread(cli, "--help", cwd=tmp_path, env=env)
        assert "tiny-prices" in helped.stdout and "Tiny Shop" in helped.stdout
        export = await asyncio.to_thread(cli, "export", "--tinyshop", "--out", "items.csv", cwd=tmp_path, env=env)
        assert export.returncode == 0, export.stderr
        with open(tmp_path / "items.csv", encoding="utf-8-sig") as f:
            items = list(csv.DictReader(f))
        write_csv(tmp_path / "p.csv", ("itemId", "price"), [[i["itemId"], "7.5"] for i in items[:30]])
        done = await asyncio.to_thread(cli, "tiny-prices", "p.csv", "--json", cwd=tmp_path, env=env)
        assert done.returncode == 0 and json.loads(done.stdout)["outcomes"]["succeeded"] == 30
        # a run planned but not sent (as a kill -9 before sending leaves it), finished by `bulkops resume`
        prices = sb.control.tinyshop.prices()
        source = write_csv(tmp_path / "q.csv", ("itemId", "price"), [[i["itemId"], "3.25"] for i in items[30:]])
        ops = [bulkops.types.Operation(n + 2, "set-price", "", i["itemId"], {"price": "3.25"},
                                       {"price": str(prices[i["itemId"]])}) for n, i in enumerate(items[30:])]
        meta = {"platform": "tinyshop", "job": "tiny-prices", "base_url": sb.base_url, "api_version": None,
                "rows_total": len(ops), "report_format": "csv", "snapshot": True, "dry_run": False, "phase": "planned",
                "header": {"itemId": "itemId", "price": "price"}}
        with pipeline.start(tmp_path / "run", meta, source) as journal:
            journal.add_operations(ops)
        resumed = await asyncio.to_thread(cli, "resume", "run", "--json", cwd=tmp_path, env=env)
        assert resumed.returncode == 0, resumed.stderr
        assert json.loads(resumed.stdout)["outcomes"]["succeeded"] == len(ops)
        assert all(v == 3.25 for k, v in sb.control.tinyshop.prices().items() if k in {i["itemId"] for i in items[30:]})
