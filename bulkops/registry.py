"""The platforms bulkops drives: one line per platform. Nothing else in the shared layers names one."""

from __future__ import annotations

from bulkops.errors import UsageError
from bulkops.platform import JobSpec, Platform
from bulkops.platforms.mpo import PLATFORM as MPO
from bulkops.platforms.retail_media import PLATFORM as RETAIL_MEDIA
from bulkops.platforms.trackier import PLATFORM as TRACKIER

PLATFORMS: tuple[Platform, ...] = (RETAIL_MEDIA, MPO, TRACKIER)


def platform(name: str) -> Platform:
    """A platform by its registry name."""
    for p in PLATFORMS:
        if p.name == name:
            return p
    raise UsageError(f"unknown platform {name!r}; known: {', '.join(p.name for p in PLATFORMS)}")


def job(verb: str) -> tuple[Platform, JobSpec]:
    """The platform and job spec of a verb."""
    for p in PLATFORMS:
        spec = p.job(verb)
        if spec is not None:
            return p, spec
    verbs = ", ".join(j.verb for p in PLATFORMS for j in p.jobs)
    raise UsageError(f"unknown job {verb!r}; jobs: {verbs}")
