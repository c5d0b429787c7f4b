"""One polling trigger for every vendor condition: the deferred half of the package's sensors.

It rebuilds the sensor's condition from plain kwargs and polls through the hook's async path
(httpx) with the same signing, interpretation and retry budget as the sync sensor; the event
loop's poll hub (``triggers/poll_hub.py``) shares those calls among triggers waiting on the same
thing and batches rooms, and the first poll comes one interval after the sensor's poke
(``ratelimit/first_poll.py``). Transient errors are logged and polled again; anything else ends
the wait with an error event. Progress is logged at a modest rate (:class:`ProgressLog`).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Callable

from airflow.triggers.base import BaseTrigger, TriggerEvent

# After the first poll, at most one progress line per this many seconds.
PROGRESS_EVERY_SECONDS = 60.0


class ProgressLog:
    """One short line for the first poll, then at most one a minute: polls so far, the last
    observation, and when the wait gives up. Never the raw vendor answer."""

    def __init__(self, log, what: str, *, succeed_at: datetime | None = None, gives_up_at: str | None = None,
                 every: float = PROGRESS_EVERY_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.log = log
        self.what = what
        self.succeed_at = succeed_at
        self.gives_up_at = gives_up_at
        self.every = every
        self.clock = clock
        self.polls = 0
        self._last_line: float | None = None

    def polled(self, observation: str) -> None:
        self.polls += 1
        now = self.clock()
        if self._last_line is not None and now - self._last_line < self.every:
            return
        self._last_line = now
        until = ""
        if self.succeed_at is not None:
            until += f"; succeeds anyway at {self.succeed_at.isoformat()}"
        if self.gives_up_at:
            until += f"; gives up at {self.gives_up_at}"
        self.log.info("Waiting for %s: %d poll(s) so far, last saw %s%s", self.what, self.polls, observation, until)


class RtcConditionTrigger(BaseTrigger):
    """Poll ``condition`` every ``poll_interval`` seconds until it holds.

    :param conn_id: the vendor connection id (the only handle to credentials it carries).
    :param condition: a :mod:`airflow_provider_rtc.conditions` condition as a plain dict.
    :param hook_overrides: per-request timeouts / retry bounds (plain numbers).
    :param succeed_at: ISO 8601 time at which waiting ends with success (the sensor's ``succeed_at``).
    :param poked_at: ISO 8601 time of the sensor's last poke: the first poll comes one interval later.
    :param gives_up_at: ISO 8601 time of the sensor's timeout, only for the progress lines.
    """

    def __init__(self, *, conn_id: str, condition: dict[str, Any], poll_interval: float,
                 hook_overrides: dict[str, Any] | None = None, succeed_at: str | None = None,
                 gives_up_at: str | None = None, poked_at: str | None = None):
        super().__init__()
        self.conn_id = conn_id
        self.condition = condition
        self.poll_interval = poll_interval
        self.hook_overrides = hook_overrides or {}
        self.succeed_at = succeed_at
        self.poked_at = poked_at
        self.gives_up_at = gives_up_at

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {"conn_id": self.conn_id, "condition": self.condition, "poll_interval": self.poll_interval,
             "hook_overrides": self.hook_overrides, "succeed_at": self.succeed_at, "gives_up_at": self.gives_up_at,
             "poked_at": self.poked_at},
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_rtc import conditions
        from airflow_provider_rtc.errors import RtcApiError, RtcError
        from airflow_provider_rtc.ratelimit.first_poll import first_poll_delay, resource_floor
        from airflow_provider_rtc.triggers import poll_hub

        condition = conditions.from_dict(self.condition)
        resource_interval = condition.resource_interval()  # the catalogue's per-room limit, or 0
        # Never below the vendor's per-room interval as the governor holds it (else each poll
        # would wait for the room inside the poll hub).
        interval = max(self.poll_interval, resource_floor(resource_interval))
        deadline = datetime.fromisoformat(self.succeed_at) if self.succeed_at else None
        pause = first_poll_delay(self.poked_at, interval, resource_interval)
        progress = ProgressLog(self.log, condition.describe(), succeed_at=deadline, gives_up_at=self.gives_up_at)
        try:
            # The loop's poll hub shares this trigger's calls with the others waiting on the same
            # room or task (and batches rooms where the vendor allows): triggers/poll_hub.py.
            async with poll_hub.hub().watch(conditions.hook_class(condition), self.conn_id,
                                            self.hook_overrides) as watcher:
                while True:
                    if deadline is not None and seconds_until(deadline) <= 0:
                        self.log.info("succeed_at %s reached after %d poll(s): done waiting", deadline.isoformat(),
                                      progress.polls)
                        yield TriggerEvent({"status": "done", "value": conditions.succeed_at_value(deadline),
                                            "message": None})
                        return
                    if pause > 0:
                        # Wake at the deadline rather than a whole interval past it.
                        await asyncio.sleep(pause if deadline is None else min(pause, max(seconds_until(deadline), 0.0)))
                        pause = 0.0
                        continue
                    asked = time.monotonic()
                    try:
                        outcome = await watcher.poll_once(condition)
                    except RtcApiError as error:
                        if not conditions.is_transient(error):
                            raise
                        progress.polled(f"a transient error ({error}); polling again")
                    else:
                        if outcome.done or outcome.failure:
                            self.log.info("%s after %d poll(s): %s", "Failed" if outcome.failure else "Condition met",
                                          progress.polls + 1, outcome.summary())
                            yield TriggerEvent({"status": "failed" if outcome.failure else "done",
                                                "value": outcome.value, "message": outcome.failure})
                            return
                        progress.polled(outcome.summary())
                    # Polls are due every interval from the last one asked for: time spent waiting
                    # for a turn inside the rate limits is not added on top.
                    pause = max(interval - (time.monotonic() - asked), 0.0)
        except RtcError as error:
            yield TriggerEvent({"status": "error", "value": None, "message": str(error),
                                "error_type": type(error).__name__})


def seconds_until(moment: datetime) -> float:
    return (moment - datetime.now(timezone.utc)).total_seconds()
