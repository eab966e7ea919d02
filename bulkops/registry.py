"""The platforms bulkops drives: one line per built-in platform, plus plugins. Nothing else in the shared layers
names a platform.

A platform outside this package plugs in through the entry-point group ``bulkops.platforms`` (its package's
``pyproject.toml``: ``[project.entry-points."bulkops.platforms"] myapi = "mypkg:PLATFORM"``), or at run time
with `register()` (a script or a notebook). Its sandbox API plugs in the same way (`bulkops.sandbox.registry`).

A platform loads when it is first asked for: `bulkops bids` loads Retail Media alone, and the installed plugins
are looked up only for a verb no built-in platform has (or when every platform is listed, as help does).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from functools import cache
from importlib import import_module

from bulkops.errors import UsageError
from bulkops.platform import JobSpec, Platform

BUILT_IN = ("bulkops.platforms.retail_media", "bulkops.platforms.mpo", "bulkops.platforms.trackier")  # in order
ENTRY_POINTS = "bulkops.platforms"
_registered: list[Platform] = []


def platforms() -> tuple[Platform, ...]:
    """Every platform: built in, installed as a plugin, registered at run time."""
    return (*_built_in(), *_plugins(), *_registered)


def register(extra: Platform) -> None:
    """Add a platform for this process (a script's own API); its verbs must not clash with others'."""
    taken = {j.verb for p in platforms() for j in p.jobs}
    clash = sorted(taken & {j.verb for j in extra.jobs})
    if clash or extra.name in {p.name for p in platforms()}:
        raise UsageError(f"platform {extra.name!r} clashes with one already there (name or verbs {clash})")
    _registered.append(extra)


def _built_in() -> Iterator[Platform]:
    for module in BUILT_IN:
        yield _load(module)


@cache
def _load(module: str) -> Platform:
    platform: Platform = import_module(module).PLATFORM
    return platform


def _nearest() -> Iterator[Platform]:
    """The platforms in the order a name is looked up in, each loaded only when the ones before lack it: names
    are unique across platforms (`register` refuses a clash; a plugin's clash with a built-in loses to it)."""
    yield from _built_in()
    yield from _registered
    yield from _plugins()


@cache
def _plugins() -> tuple[Platform, ...]:
    from importlib.metadata import entry_points  # noqa: PLC0415 - only when a plugin may be asked for

    found = []
    for point in entry_points(group=ENTRY_POINTS):
        try:
            value = point.load()
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not take bulkops down with it
            print(f"warning: platform plugin {point.name!r} could not be loaded ({exc}); left out", file=sys.stderr)
            continue
        if isinstance(value, Platform):
            found.append(value)
    return tuple(found)


def default() -> Platform:
    """The first built-in platform (Retail Media): the one a connection is for unless another is named."""
    return _load(BUILT_IN[0])


def platform(name: str) -> Platform:
    """A platform by its registry name."""
    for p in _nearest():
        if p.name == name:
            return p
    raise UsageError(f"unknown platform {name!r}; known: {', '.join(p.name for p in platforms())}")


def job(verb: str) -> tuple[Platform, JobSpec]:
    """The platform and job spec of a verb."""
    for p in _nearest():
        spec = p.job(verb)
        if spec is not None:
            return p, spec
    verbs = ", ".join(j.verb for p in platforms() for j in p.jobs)
    raise UsageError(f"unknown job {verb!r}; jobs: {verbs}")
