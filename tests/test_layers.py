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


@pytest.mark.parametrize("folder", ["engine"])
def test_engine_and_plan_never_reach_up_or_into_dataframes(folder: str) -> None:
    forbidden = ("bulkops.config", "bulkops.cli", "bulkops.runner", "bulkops.platforms", "bulkops.sandbox",
                 "bulkops.report", "pandas", "pyarrow", "rich", "click")
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


SHARED = ["engine", "runner", "report", "io", "cli", "api.py", "types.py", "errors.py", "config.py", "target.py",
          "fit.py", "platform.py", "sync.py", "notebook.py"]
SANDBOX_CORE = ["app.py", "api.py", "auth.py", "control.py", "middleware.py", "problems.py", "settings.py", "state.py",
                "store.py", "__init__.py"]


def _files(entry: str) -> list[Path]:
    path = PACKAGE / entry
    return sorted(path.rglob("*.py")) if path.is_dir() else [path]


@pytest.mark.parametrize("entry", SHARED)
def test_the_shared_layers_name_no_platform(entry: str) -> None:
    """Only the registries import a platform: adding one is a folder and a registry line."""
    for path in _files(entry):
        bad = {m for m in _imports(path) if m.startswith(("bulkops.platforms.", "bulkops.sandbox."))
               and m not in ("bulkops.sandbox", "bulkops.sandbox.registry")}
        assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


def test_the_sandbox_core_names_no_api() -> None:
    for name in SANDBOX_CORE:
        path = PACKAGE / "sandbox" / name
        apis = {"bulkops.sandbox.retail_media", "bulkops.sandbox.mpo", "bulkops.sandbox.trackier"}
        bad = {m for m in _imports(path) if any(m.startswith(a) for a in apis)}
        assert not bad, f"sandbox/{name} imports {sorted(bad)}"


def test_platforms_are_independent_of_each_other() -> None:
    """Each platform may use the shared layers and Criteo's common conventions, never another platform."""
    folders = [p.name for p in (PACKAGE / "platforms").iterdir() if p.is_dir() and not p.name.startswith("_")]
    for folder in folders:
        others = tuple(f"bulkops.platforms.{o}" for o in folders if o != folder)
        for path in _modules(f"platforms/{folder}"):
            bad = {m for m in _imports(path) if m.startswith(others)}
            assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


def test_only_the_cli_speaks_rich_and_click() -> None:
    outside = [p for p in PACKAGE.rglob("*.py") if "cli" not in p.relative_to(PACKAGE).parts]
    bad = [str(p.relative_to(PACKAGE)) for p in outside if any(m.split(".")[0] in ("rich", "typer", "click")
                                                               for m in _imports(p))]
    assert bad == []


def test_every_public_name_loads() -> None:
    import bulkops

    for name in bulkops.__all__:
        assert getattr(bulkops, name) is not None, name
    for name in bulkops.sync.__all__:  # each coroutine function's blocking twin, under the same name
        assert callable(getattr(bulkops.sync, name)), name
        if name in bulkops.sync.TWINS:
            assert getattr(bulkops.sync, name).__name__ == getattr(bulkops, name).__name__
