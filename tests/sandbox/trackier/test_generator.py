"""The Trackier data generator: deterministic from the seed, its own stream, every status, fast at 1,000."""

from __future__ import annotations

from bulkops.sandbox.app import build_state
from bulkops.sandbox.settings import SandboxSettings
from bulkops.sandbox.trackier import rules
from bulkops.sandbox.trackier.control import TrackierControl


def _campaigns(seed: int, count: int) -> list[dict[str, object]]:
    state = build_state(SandboxSettings.of(seed=seed, trackier_campaigns=count, line_items=2, max_products=0))
    control = TrackierControl(state)
    try:
        return [control.campaign(i) for i in control.campaign_ids()]
    finally:
        state.store.close()


def test_same_seed_same_campaigns_other_seed_others() -> None:
    one, again, other = _campaigns(3, 25), _campaigns(3, 25), _campaigns(4, 25)
    strip = [{k: v for k, v in c.items() if k not in ("createdAt", "updatedAt")} for c in one]
    assert strip == [{k: v for k, v in c.items() if k not in ("createdAt", "updatedAt")} for c in again]
    assert [c["title"] for c in one] != [c["title"] for c in other]
    assert [c["id"] for c in one] == list(range(101, 126))


def test_every_status_shows_up_mostly_active_and_filled_in() -> None:
    campaigns = _campaigns(1, 40)
    statuses = [c["status"] for c in campaigns]
    assert set(statuses) == set(rules.STATUSES)
    assert statuses.count("active") > len(statuses) / 2
    assert all(c["title"] and str(c["url"]).startswith("https://") and c["caps"] for c in campaigns)


def test_a_thousand_campaigns_are_built() -> None:  # how fast: benchmarks/sandbox_generate.py
    state = build_state(SandboxSettings.of(trackier_campaigns=1000, line_items=1, max_products=0))
    assert sum(TrackierControl(state).counts().values()) == 1000
    state.store.close()
