"""One polling trigger for every vendor condition: the deferred half of the package's sensors.

It rebuilds the sensor's condition from plain kwargs, fetches the connection asynchronously, and
polls through the hook's async path (httpx) with the same signing, interpretation and retry
budget as the sync sensor. Transient errors are logged and polled again; anything else ends the
wait with an error event.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any, AsyncIterator

from airflow.triggers.base import BaseTrigger, TriggerEvent


class RtcConditionTrigger(BaseTrigger):
    """Poll ``condition`` every ``poll_interval`` seconds until it holds.

    :param conn_id: the vendor connection id (the only handle to credentials it carries).
    :param condition: a :mod:`airflow_provider_rtc.conditions` condition as a plain dict.
    :param hook_overrides: per-request timeouts / retry bounds (plain numbers).
    :param succeed_at: ISO 8601 time at which waiting ends with success (the sensor's ``succeed_at``).
    """

    def __init__(self, *, conn_id: str, condition: dict[str, Any], poll_interval: float,
                 hook_overrides: dict[str, Any] | None = None, succeed_at: str | None = None):
        super().__init__()
        self.conn_id = conn_id
        self.condition = condition
        self.poll_interval = poll_interval
        self.hook_overrides = hook_overrides or {}
        self.succeed_at = succeed_at

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {"conn_id": self.conn_id, "condition": self.condition, "poll_interval": self.poll_interval,
             "hook_overrides": self.hook_overrides, "succeed_at": self.succeed_at},
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_rtc import conditions
        from airflow_provider_rtc.errors import RtcError

        condition = conditions.from_dict(self.condition)
        interval = max(self.poll_interval, condition.min_interval)
        deadline = datetime.fromisoformat(self.succeed_at) if self.succeed_at else None
        try:
            hook = await conditions.hook_class(condition).for_trigger(self.conn_id, **self.hook_overrides)
            async with hook.async_client() as client:
                if condition.min_interval:
                    # The sensor poked just before it deferred: a vendor's per-resource limit counts
                    # that poke too, so the first poll here also waits a whole interval.
                    await asyncio.sleep(_pause(interval, deadline))
                while True:
                    if deadline is not None and seconds_until(deadline) <= 0:
                        from airflow_provider_rtc.sensors.base import succeed_at_value

                        yield TriggerEvent({"status": "done", "value": succeed_at_value(deadline), "message": None})
                        return
                    outcome = await poll_once_async(hook, client, condition, self.log)
                    if outcome is not None and (outcome.done or outcome.failure):
                        yield TriggerEvent({"status": "failed" if outcome.failure else "done",
                                            "value": outcome.value, "message": outcome.failure})
                        return
                    await asyncio.sleep(_pause(interval, deadline))
        except RtcError as error:
            yield TriggerEvent({"status": "error", "value": None, "message": str(error),
                                "error_type": type(error).__name__})


def _pause(interval: float, deadline: datetime | None) -> float:
    """The wait before the next poll: wake at the deadline rather than a whole interval past it."""
    return interval if deadline is None else min(interval, max(seconds_until(deadline), 0.0))


def seconds_until(moment: datetime) -> float:
    return (moment - datetime.now(timezone.utc)).total_seconds()


async def poll_once_async(hook, client, condition, log):
    """One observation, or None after a transient error (logged; the caller polls again)."""
    from airflow_provider_rtc.conditions import is_transient
    from airflow_provider_rtc.errors import RtcApiError

    try:
        return condition.evaluate(await hook.arun(condition.call(), client))
    except RtcApiError as error:
        observed = condition.evaluate_error(error)
        if observed is not None:
            return observed
        if is_transient(error):
            log.warning("transient error while polling, will poll again: %s", error)
            return None
        raise
