"""The one injectable clock of the hooks: monotonic time for retry budgets, wall time for
signatures (Volcengine's X-Date, ZEGO's Timestamp, Tencent's UserSig), and the sleeps between
attempts. Tests pass their own, e.g. ``Clock(wall=lambda: 1_700_000_000.0)``."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from typing import Callable, Optional


class Clock:
    """The system clock, or one whose wall time comes from ``wall`` (seconds since the epoch)."""

    def __init__(self, wall: Optional[Callable[[], float]] = None):
        self._wall = wall or time.time

    @classmethod
    def of(cls, clock: Clock | Callable[[], float] | None) -> Clock:
        """A :class:`Clock` from a clock, a wall-time function (older call sites) or None (the system's)."""
        if clock is None:
            return SYSTEM_CLOCK
        return clock if isinstance(clock, Clock) else cls(wall=clock)

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        """Wall-clock seconds since the epoch."""
        return self._wall()

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.time(), timezone.utc)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


SYSTEM_CLOCK = Clock()
