"""Imports point one way: the engine never reaches up, only transport.py speaks aiohttp on the client side,
and the sandbox shares nothing with the client (so a client bug cannot hide a sandbox bug)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "bulkops"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", ["engine", "plan"])
def test_engine_and_plan_never_reach_up_or_into_dataframes(folder: str) -> None:
    forbidden = ("bulkops.config", "bulkops.cli", "bulkops.runner", "bulkops.platforms", "bulkops.sandbox",
                 "bulkops.report", "pandas", "pyarrow", "rich", "typer")
    for path in _modules(folder):
        bad = {m for m in _imports(path) if m.startswith(forbidden)}
        assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


def test_only_the_transport_imports_aiohttp_on_the_client_side() -> None:
    client = [p for p in PACKAGE.rglob("*.py") if "sandbox" not in p.parts and p.name != "transport.py"]
    offenders = [str(p.relative_to(PACKAGE)) for p in client if any(m.startswith("aiohttp") for m in _imports(p))]
    assert offenders == []


def test_the_sandbox_imports_nothing_of_the_client() -> None:
    for path in _modules("sandbox"):
        bad = {m for m in _imports(path) if m.startswith("bulkops.") and not m.startswith("bulkops.sandbox")}
        assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"
