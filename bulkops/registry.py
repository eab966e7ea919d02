"""The platforms bulkops drives: one line per built-in platform, plus plugins. Nothing else in the shared layers
names a platform.

A platform outside this package plugs in through the entry-point group ``bulkops.platforms`` (its package's
``pyproject.toml``: ``[project.entry-points."bulkops.platforms"] myapi = "mypkg:PLATFORM"``), or at run time
with `register()` (a script or a notebook). Its sandbox API plugs in the same way (`bulkops.sandbox.registry`).
"""

from __future__ import annotations

import sys
from functools import cache
from importlib.metadata import entry_points

from bulkops.errors import UsageError
from bulkops.platform import JobSpec, Platform
from bulkops.platforms.mpo import PLATFORM as MPO
from bulkops.platforms.retail_media import PLATFORM as RETAIL_MEDIA
from bulkops.platforms.trackier import PLATFORM as TRACKIER

BUILT_IN: tuple[Platform, ...] = (RETAIL_MEDIA, MPO, TRACKIER)
ENTRY_POINTS = "bulkops.platforms"
_registered: list[Platform] = []


def platforms() -> tuple[Platform, ...]:
    """Every platform: built in, installed as a plugin, registered at run time."""
    return (*BUILT_IN, *_plugins(), *_registered)


def register(extra: Platform) -> None:
    """Add a platform for this process (a script's own API); its verbs must not clash with others'."""
    taken = {j.verb for p in platforms() for j in p.jobs}
    clash = sorted(taken & {j.verb for j in extra.jobs})
    if clash or extra.name in {p.name for p in platforms()}:
        raise UsageError(f"platform {extra.name!r} clashes with one already there (name or verbs {clash})")
    _registered.append(extra)


@cache
def _plugins() -> tuple[Platform, ...]:
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


def platform(name: str) -> Platform:
    """A platform by its registry name."""
    for p in platforms():
        if p.name == name:
            return p
    raise UsageError(f"unknown platform {name!r}; known: {', '.join(p.name for p in platforms())}")


def job(verb: str) -> tuple[Platform, JobSpec]:
    """The platform and job spec of a verb."""
    for p in platforms():
        spec = p.job(verb)
        if spec is not None:
            return p, spec
    verbs = ", ".join(j.verb for p in platforms() for j in p.jobs)
    raise UsageError(f"unknown job {verb!r}; jobs: {verbs}")
