from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_rtc.ratelimit.first_poll import first_poll_delay
from airflow_provider_rtc.ratelimit.governor import INTERVAL_MARGIN

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def ago(seconds):
    return (NOW - timedelta(seconds=seconds)).isoformat()


def test_fresh_deferral_waits_the_rest_of_the_interval():
    assert first_poll_delay(ago(0.5), 5.0, 0.0, NOW) == pytest.approx(4.5)


def test_fresh_deferral_with_a_resource_rule_waits_at_least_the_rule_plus_margin():
    assert first_poll_delay(ago(0.5), 10.0, 10.0, NOW) == pytest.approx(10.0 + INTERVAL_MARGIN - 0.5)


def test_restart_without_resource_rule_polls_at_once():
    assert first_poll_delay(ago(600), 5.0, 0.0, NOW) == 0.0
    assert first_poll_delay(None, 5.0, 0.0, NOW) == 0.0


def test_restart_with_resource_rule_waits_the_rule():
    assert first_poll_delay(ago(600), 10.0, 10.0, NOW) == pytest.approx(10.0 + INTERVAL_MARGIN)
    assert first_poll_delay(None, 30.0, 10.0, NOW) == pytest.approx(10.0 + INTERVAL_MARGIN)


def test_a_poke_time_from_a_clock_ahead_counts_as_now_and_naive_means_utc():
    assert first_poll_delay((NOW + timedelta(seconds=30)).isoformat(), 5.0, 0.0, NOW) == pytest.approx(5.0)
    assert first_poll_delay((NOW - timedelta(seconds=2)).replace(tzinfo=None).isoformat(), 5.0, 0.0, NOW) == \
        pytest.approx(3.0)
