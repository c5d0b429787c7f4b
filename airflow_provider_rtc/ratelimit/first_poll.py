"""When a deferred sensor's trigger may poll for the first time.

The sensor pokes once on the worker before deferring and hands the trigger the time of that poke
(``poked_at``, plain ISO text in the trigger's kwargs). The trigger's first poll is then one
interval after the poke, not ~0.1 s after it (which alone broke ZEGO's one call per 10 s per room
for ``DescribeSimpleStreamList``).

A trigger started later than that (the triggerer died and another one picked the trigger up; the
kwargs are the same ones, so they cannot say when the dead triggerer last polled) must assume a
poll happened just now, and waits the vendor's per-resource interval before its first poll.
"""

from __future__ import annotations

from datetime import datetime, timezone

from airflow_provider_rtc.ratelimit.plans import INTERVAL_MARGIN


def resource_floor(resource_interval: float) -> float:
    """The vendor's per-resource interval as the governor holds it (with its margin), or 0."""
    return resource_interval + INTERVAL_MARGIN if resource_interval > 0 else 0.0


def first_poll_delay(poked_at: str | None, interval: float, resource_interval: float,
                     now: datetime | None = None) -> float:
    """Seconds to wait before the first poll.

    :param poked_at: ISO time of the sensor's poke before deferring (None: unknown, e.g. a trigger
        serialized by an older version: treated like a restart).
    :param interval: the trigger's poll interval (already at least ``resource_interval``).
    :param resource_interval: the vendor's minimum seconds between calls on one resource (0: none).
    """
    now = now or datetime.now(timezone.utc)
    floor = resource_floor(resource_interval)
    if poked_at:
        moment = datetime.fromisoformat(poked_at)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        # Worker and triggerer clocks may differ a little: a poke "in the future" was just now.
        since = max((now - moment).total_seconds(), 0.0)
        if since < interval:
            # Started within one interval of the poke: no earlier instance of this trigger can
            # have polled yet (its first poll would be due at poke + interval too).
            return max(interval - since, floor - since, 0.0)
    # A restart (or no poke time): a previous instance may have polled a moment ago.
    return floor
