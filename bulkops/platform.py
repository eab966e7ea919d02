"""`Platform`: the one object a platform provides, and the pieces it is made of.

A platform says how its API is reached (default host, versions, which credentials), how it speaks HTTP (its
`Dialect`: auth, errors, quota), which write jobs it offers (verbs, their columns, options and help), its
export, the sandbox API that stands in for it and its step of `bulkops demo`. The registry
(`bulkops/registry.py`) lists the platforms; the engine, runner, report, io, the CLI's core and the Python
API's core name none of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from bulkops.errors import UsageError

if TYPE_CHECKING:
    from bulkops.engine.client import ApiClient
    from bulkops.engine.dialect import Dialect
    from bulkops.runner.export import RowSource, Table
    from bulkops.runner.protocol import RunResult, WriteJob
    from bulkops.types import Connection


@dataclass(frozen=True, slots=True)
class Option:
    """A job's or an export's own option: a CLI flag and a keyword of the Python API."""

    name: str  # Python name; the flag is --name-with-dashes
    help: str
    kind: type = str
    multiple: bool = False  # repeatable flag → a tuple
    default: Any = None
    flag: str | None = None  # the flag when it differs from --name (e.g. --account for accounts)

    @property
    def cli_flag(self) -> str:
        """The command-line flag."""
        return self.flag or "--" + self.name.replace("_", "-")


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One write verb of a platform."""

    verb: str  # the CLI verb, unique across platforms: "bids", "seller-bids", "trackier-status"
    summary: str  # one line, for `bulkops --help`
    doc: str  # the verb's help: what it does, its columns with an example row
    make: Callable[[Mapping[str, Any]], WriteJob]  # job options (the values of `options`) → the job
    options: tuple[Option, ...] = ()
    snapshot_optional: bool = True  # False when the job must always read first (--no-snapshot is not offered)
    refuse: Callable[[Mapping[str, Any], bool], str | None] | None = None  # (options, snapshot) → why not, or None


@dataclass(frozen=True, slots=True)
class ExportSpec:
    """A platform's export: the rows it streams, the table they go in, what it takes (options)."""

    rows: RowSource  # (api, options) → rows, streamed
    table: Table
    options: tuple[Option, ...] = ()
    doc: str = ""
    required: tuple[str, ...] = ()  # options that must be given


@dataclass(frozen=True, slots=True)
class DemoContext:
    """What a demo step is given: a connection to the demo's sandbox, a folder, and the screen."""

    connection: Connection
    folder: Path
    say: Callable[[str], None]
    show: Callable[[str, RunResult], None]  # (label, result): the end-of-run lines the CLI prints


@dataclass(frozen=True, slots=True)
class DemoStep:
    """A platform's step of `bulkops demo`."""

    title: str
    run: Callable[[DemoContext], Awaitable[None]]


@dataclass(frozen=True)
class Platform:
    """Everything bulkops knows about one platform's API."""

    name: str  # registry key, journaled with every run: "retail-media"
    title: str  # "Criteo Retail Media"
    dialect: Dialect
    default_base_url: str  # the real API's host, used when credentials are configured without a base URL
    credentials: Literal["oauth", "api-key"]
    jobs: tuple[JobSpec, ...]
    sandbox_api: str  # the name of the sandbox API that stands in for it
    api_versions: tuple[str, ...] = ()  # versions its paths take; empty when they take none
    default_api_version: str | None = None
    settings_section: str | None = None  # its own settings: BULKOPS_<SECTION>_* and [section] in the config file
    flag: str | None = None  # `bulkops export --<flag>` selects it (None: the default platform)
    export: ExportSpec | None = None
    demo: DemoStep | None = None
    probe: Callable[[ApiClient], Awaitable[Any]] | None = None  # one cheap call that proves host, login and version

    def job(self, verb: str) -> JobSpec | None:
        """The job of a verb, if this platform has it."""
        return next((j for j in self.jobs if j.verb == verb), None)


def deferred(target: str) -> Callable[..., Any]:
    """The function or class at "package.module:name", imported on its first call, not before.

    A platform's package names its jobs, export and demo this way, so that listing the platforms (every
    `bulkops --help`) loads no engine, runner or HTTP library: those load when a verb actually runs.
    """
    module, _, name = target.partition(":")
    found: list[Callable[..., Any]] = []

    def call(*args: Any, **kwargs: Any) -> Any:
        if not found:
            found.append(getattr(import_module(module), name))
        return found[0](*args, **kwargs)

    call.__qualname__ = call.__name__ = name
    call.__doc__ = f"{target}, imported when first called"
    return call


def ids_given(given: Any) -> tuple[str, ...]:
    """Ids as a user gives them (accounts, advertisers): one (a str, bytes or a number; 4000.0 as pandas holds it
    is 4000), or several (a list; `4000,4001` in one flag or str too). A str is one id, never its characters."""
    if given is None:
        return ()
    items = [given] if isinstance(given, str | bytes | int | float) else list(given)
    texts = []
    for item in items:
        if item is None:
            continue
        text = item.decode() if isinstance(item, bytes) else \
            str(int(item)) if isinstance(item, float) and item.is_integer() else str(item)
        texts += [part.strip() for part in text.split(",")]
    return tuple(dict.fromkeys(t for t in texts if t))


def unseen(noun: str, given: str, exc: Exception, seen: list[str]) -> UsageError:
    """The refusal of an export asked for an account or advertiser the API says is unknown or not the caller's
    (a typo, another client's id): the API's word, and the ids these credentials do see."""
    said = str(exc) if given in str(exc) else f"{noun} {given}: {exc}"
    return UsageError(f"{said}: your credentials see " + (f"{noun}(s) {', '.join(seen)}" if seen else f"no {noun}"))
