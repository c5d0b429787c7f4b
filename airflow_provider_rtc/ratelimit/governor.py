"""One rate governor per process: every vendor call waits its turn inside the documented limits.

Why one per process: a worker runs many tasks in threads and a triggerer runs thousands of
triggers in one event loop; each of them alone stays under the vendor's limit, all of them
together did not (issue 13 measured 69% of 11,343 polls over the limits). The governor is the
single place all of a process's calls pass, on the sync path (threads, ``time.sleep``) and the
async path (the event loop, ``asyncio.sleep``) alike.

What it enforces, per (vendor, host, credentials, action) - the vendor's own scope: ZEGO and
Tencent count per AppId / SDKAppID, Volcengine per account, which is all we can see of it, its
AccessKeyId:
- a rate: calls are spaced evenly at ``1 / (limit * share * HEADROOM)`` seconds (no bursts), so
  any one-second window holds at most the limit even when a few calls reach the vendor late;
- a per-resource minimum interval (ZEGO ``DescribeSimpleStreamList``: one call per room per 10 s),
  plus :data:`INTERVAL_MARGIN` for the way to the vendor.

Order: each caller reserves the next free slot (first come, first served), so no caller starves
when demand exceeds the budget; everyone is stretched alike. The slot is checked again on waking:
if the event loop stalled (a GC pause) and several callers woke together, only one goes per
spacing and the others take the next slots, so a stall never turns into a burst.

The user's share: connection extra ``rate_limit_share`` (0 < share <= 1, default 1) gives this
Airflow a share of the account's budget (other systems use the same account);
``rate_limits`` (``{"DescribeUserNum": 4}``) sets an action's calls per second outright.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Generator

# Re-exported: callers and tests know them from here.
from airflow_provider_rtc.ratelimit.plans import HEADROOM, INTERVAL_MARGIN, Plan, plan_for  # noqa: F401

if TYPE_CHECKING:
    from airflow_provider_rtc.hooks.base import RtcHook
    from airflow_provider_rtc.hooks.calls import VendorCall

log = logging.getLogger(__name__)

# A caller that has to wait longer than this for its slot means demand exceeds the budget.
STRETCH_AFTER = 1.0
# After a stretch ended, a new one is logged again only after this long (no flapping in the log).
RELOG_AFTER = 300.0
_EPSILON = 1e-9


@dataclass
class _Bucket:
    spacing: float
    label: str
    rate: float
    next_slot: float = -math.inf  # the earliest slot not yet reserved
    catch_up: float = -math.inf  # slots handed to callers whose own slot came too soon after a stall
    last_release: float = -math.inf
    stretched_since: float | None = None
    last_stretch_log: float = -math.inf


@dataclass
class _Resource:
    last_release: float = -math.inf
    reserved_until: float = -math.inf  # the next caller's earliest start (a FIFO of waiters)
    in_flight: int = 0


@dataclass
class RateGovernor:
    """Spaces calls per key; thread-safe; ``clock`` is monotonic seconds (injectable for tests)."""

    clock: Callable[[], float] = time.monotonic
    enabled: bool = True  # False: no waiting at all (tests whose subject is not rate limiting)
    sleep: Callable[[float], Any] = time.sleep
    async_sleep: Callable[[float], Any] = asyncio.sleep
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _buckets: dict = field(default_factory=dict, repr=False)
    _resources: dict = field(default_factory=dict, repr=False)
    _prune_at: int = field(default=1024, repr=False)

    # -- the two drivers: identical steps, different ways of waiting ---------------------------

    def wait_turn(self, plan: Plan) -> float:
        """Block (threads) until ``plan`` may be sent; returns the release time."""
        steps = self.steps(plan)
        try:
            while True:
                self.sleep(next(steps))
        except StopIteration as done:
            return done.value
        finally:
            steps.close()

    async def await_turn(self, plan: Plan) -> float:
        """Wait (event loop) until ``plan`` may be sent; cancelling gives the turn back."""
        steps = self.steps(plan)
        try:
            while True:
                await self.async_sleep(next(steps))
        except StopIteration as done:
            return done.value
        finally:
            steps.close()  # on cancellation: leaves the resource as it found it

    def steps(self, plan: Plan) -> Generator[float, None, float]:
        """The waits one call goes through (yielded in seconds); returns the release time.

        Kept free of any sleeping so the order and spacing are tested with a fake clock.
        """
        if not self.enabled or (plan.spacing is None and plan.resource is None):
            return self.clock()
        resource = None
        if plan.resource is not None and plan.resource_interval:
            resource = self._resource(plan)
            yield from self._resource_steps(resource, plan.resource_interval)
        try:
            released = yield from self._rate_steps(plan)
        except BaseException:
            if resource is not None:
                with self._lock:
                    resource.in_flight -= 1
            raise
        if resource is not None:
            with self._lock:
                resource.in_flight -= 1
                resource.last_release = max(resource.last_release, released)
        return released

    # -- rate -----------------------------------------------------------------------------------

    def _rate_steps(self, plan: Plan) -> Generator[float, None, float]:
        if plan.spacing is None:
            return self.clock()
        with self._lock:
            bucket = self._buckets.get(plan.key)
            if bucket is None:
                bucket = self._buckets[plan.key] = _Bucket(plan.spacing, plan.label, plan.rate or 0.0)
            elif bucket.spacing != plan.spacing:
                # The connection's share changed (or two connections share credentials with different
                # shares): the latest setting applies from now on, keeping the queue as it is.
                bucket.spacing, bucket.rate = plan.spacing, plan.rate or 0.0
            now = self.clock()
            slot = max(now, bucket.next_slot)
            bucket.next_slot = slot + bucket.spacing
            self._note_stretch(bucket, slot - now, now)
        while True:
            now = self.clock()
            if slot - now > _EPSILON:
                yield slot - now
                continue
            with self._lock:
                now = self.clock()
                earliest = bucket.last_release + bucket.spacing
                if now + _EPSILON >= earliest:
                    bucket.last_release = now
                    return now
                # Woken together with others after a stall: take the next slot after the last
                # release instead of going in the same instant.
                slot = max(earliest, bucket.catch_up)
                bucket.catch_up = slot + bucket.spacing
                bucket.next_slot = max(bucket.next_slot, bucket.catch_up)

    def _note_stretch(self, bucket: _Bucket, wait: float, now: float) -> None:
        """Log once when demand starts to exceed the budget and once when it no longer does."""
        if wait > STRETCH_AFTER and bucket.stretched_since is None:
            bucket.stretched_since = now
            if now - bucket.last_stretch_log >= RELOG_AFTER:
                bucket.last_stretch_log = now
                log.warning(
                    "%s: callers want more than the budget of %.3g calls/s; calls are spaced out evenly "
                    "(each waits its turn, about %.1f s now). Logged once; raise 'rate_limit_share' or "
                    "'rate_limits' on the connection only if the vendor granted this Airflow more.",
                    bucket.label, bucket.rate, wait)
        elif wait <= _EPSILON and bucket.stretched_since is not None:
            if bucket.last_stretch_log >= bucket.stretched_since:
                log.info("%s: back within the budget after %.0f s of spacing calls out",
                         bucket.label, now - bucket.stretched_since)
            bucket.stretched_since = None

    # -- per-resource interval ------------------------------------------------------------------

    def _resource(self, plan: Plan) -> _Resource:
        with self._lock:
            key = (plan.key, plan.resource)
            resource = self._resources.get(key)
            if resource is None:
                if len(self._resources) >= self._prune_at:
                    self._prune(self.clock())
                resource = self._resources[key] = _Resource()
            return resource

    def _prune(self, now: float) -> None:
        """Forget rooms whose interval has passed: a triggerer lives for weeks, rooms come and go."""
        horizon = now - 3600.0  # far longer than any documented per-resource interval
        for key in [k for k, r in self._resources.items()
                    if not r.in_flight and r.last_release < horizon and r.reserved_until < now]:
            del self._resources[key]
        self._prune_at = max(1024, 2 * len(self._resources))

    def _resource_steps(self, resource: _Resource, interval: float) -> Generator[float, None, None]:
        """Wait for this caller's turn on the resource (arrival order), then hold it."""
        with self._lock:
            now = self.clock()
            turn = max(now, resource.last_release + interval, resource.reserved_until)
            resource.reserved_until = turn + interval
        while True:
            now = self.clock()
            if turn - now > _EPSILON:
                yield turn - now
                continue
            with self._lock:
                now = self.clock()
                if resource.in_flight:
                    # Someone holds the resource and waits for its rate slot: its release time is
                    # not known yet, so look again shortly.
                    turn = now + min(interval, 0.05)
                    continue
                earliest = resource.last_release + interval
                if now + _EPSILON >= earliest:
                    resource.in_flight += 1
                    return
                turn = earliest

    def next_allowed(self, plan: Plan) -> float:
        """The earliest clock time a call on ``plan.resource`` may start (for schedulers)."""
        if plan.resource is None or not plan.resource_interval:
            return self.clock()
        resource = self._resource(plan)
        with self._lock:
            return resource.last_release + plan.resource_interval

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self._resources.clear()


# -- the process's governor ------------------------------------------------------------------------

_process_governor = RateGovernor()


def process_governor() -> RateGovernor:
    return _process_governor


def reset_process_governor(governor: RateGovernor | None = None) -> RateGovernor:
    """Start over (tests; a forked child, whose parent's waiters do not exist in it)."""
    global _process_governor
    _process_governor = governor or RateGovernor()
    return _process_governor


if hasattr(os, "register_at_fork"):
    # A forked task process must not inherit a lock another thread of the parent held.
    os.register_at_fork(after_in_child=reset_process_governor)


def wait_turn(hook: RtcHook, call: VendorCall) -> None:
    """The sync path's one call before each attempt."""
    _process_governor.wait_turn(plan_for(hook, call))


# A turn taken before deciding what to send (the poll hub fills a batch at the moment its turn
# comes, so it holds the most rooms): the next attempt of this task on that key uses it.
_turn_taken: ContextVar[tuple | None] = ContextVar("rtc_rate_turn_taken", default=None)


async def await_turn(hook: RtcHook, call: VendorCall) -> None:
    """The async path's one call before each attempt."""
    plan = plan_for(hook, call)
    if _turn_taken.get() == plan.key and plan.resource is None:
        _turn_taken.set(None)
        return
    await _process_governor.await_turn(plan)


async def take_turn(hook: RtcHook, call: VendorCall) -> None:
    """Wait for ``call``'s turn now; this task's next attempt of the same action goes without waiting."""
    plan = plan_for(hook, call)
    await _process_governor.await_turn(plan)
    _turn_taken.set(plan.key)
