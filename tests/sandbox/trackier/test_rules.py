"""The pure status rules of seed 003, tested directly."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bulkops.sandbox.trackier import rules
from bulkops.sandbox.trackier.rules import CampaignFacts

TODAY = date(2026, 5, 10)
YESTERDAY = TODAY - timedelta(days=1)


@pytest.mark.parametrize("status", rules.CLIENT_STATUSES)
def test_a_client_may_set_these(status: str) -> None:
    assert rules.status_problem(status) is None


@pytest.mark.parametrize("status", ["paused", "suspended"])
def test_platform_statuses_are_refused_pointing_at_disabled(status: str) -> None:
    code, message = rules.status_problem(status)  # type: ignore[misc]
    assert code == "STATUS_NOT_ALLOWED" and status in message and "disabled" in message


@pytest.mark.parametrize("status", ["running", "", None, 3, "Active"])
def test_unknown_statuses_are_invalid(status: object) -> None:
    assert rules.status_problem(status)[0] == "INVALID_STATUS"  # type: ignore[index]


def test_a_cap_pauses_only_an_active_campaign_until_the_next_day() -> None:
    paused = rules.after_cap(CampaignFacts("active"), TODAY)
    assert paused == CampaignFacts("paused", TODAY)
    assert rules.settle(paused, TODAY) == paused
    assert rules.cap_reset_day(paused, TODAY + timedelta(days=3)) == TODAY + timedelta(days=1)
    assert rules.settle(paused, TODAY + timedelta(days=1)) == CampaignFacts("active")
    for status in ("pending", "disabled", "suspended", "expired", "deleted"):
        assert rules.after_cap(CampaignFacts(status), TODAY) == CampaignFacts(status)


def test_disabled_is_never_reactivated_by_a_cap_reset_or_an_edit() -> None:
    disabled = rules.after_status("disabled")  # set after a cap paused it: the cap day is gone
    assert disabled == CampaignFacts("disabled")
    assert rules.settle(CampaignFacts("disabled", YESTERDAY), TODAY) == CampaignFacts("disabled", YESTERDAY)
    assert rules.after_edit(disabled, None) == disabled
    assert rules.after_edit(disabled, "active") == CampaignFacts("active")


def test_a_system_pause_without_a_cap_day_waits_for_an_edit() -> None:
    assert rules.settle(CampaignFacts("paused"), TODAY) == CampaignFacts("paused")
    assert rules.after_edit(CampaignFacts("paused", TODAY), None) == CampaignFacts("active")
    assert rules.after_edit(CampaignFacts("paused", TODAY), "pending") == CampaignFacts("pending")


def test_traffic_and_listing() -> None:
    assert [s for s in rules.STATUSES if rules.takes_traffic(s)] == ["active"]
    assert not rules.listed("deleted", None) and rules.listed("deleted", "deleted")
    assert rules.listed("paused", None) and not rules.listed("paused", "active")
