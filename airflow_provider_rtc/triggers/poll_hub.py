"""Triggers in one triggerer share their polls: coalescing identical calls, batching room counts.

Each :class:`RtcConditionTrigger` still runs its own loop, sleeps its own interval and fires its
own event; only the vendor call is handed to the event loop's hub, which
- **coalesces**: triggers waiting on the same call (same room, same task, same connection) get
  the answer of one request - also when one of them asks while that request is on its way;
- **batches**: ZEGO ``DescribeUserNum`` takes up to 10 rooms per call (``RoomId[]``, VENDOR_APIS.md
  section 1 "Room APIs"), so up to 10 rooms waiting at the same time share a call. Each
  condition reads its own room from the shared answer (``ZegoRoomUsers.evaluate`` already picks
  its room out of ``UserCountList``).

Calls go through the hook's async path as before (signing, retries, the process rate governor),
so a transient failure is retried once for all sharers, and an error reaches every trigger that
shared the call - and only those: triggers are grouped by connection id and hook settings, so a
connection with a wrong secret fails its own sensors, never another connection's.

One hook (connection fetched once) and one httpx client serve a group while any of its triggers
waits; the last one to leave closes them. The governor spaces the calls, so only a few
are on their way at a time (a handful of keep-alive connections instead of one per trigger).

Cancelling a trigger (its task timed out, was cleared) cancels only its own wait: the shared call
goes on for the others, and a room nobody waits for any more is dropped before it is sent.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, AsyncIterator

if TYPE_CHECKING:
    import httpx

    from airflow_provider_rtc.conditions import Condition, Outcome
    from airflow_provider_rtc.hooks.base import RtcHook
    from airflow_provider_rtc.hooks.calls import ApiResult, VendorCall

# Actions whose one query field takes many resources per call: (vendor hook name, action) ->
# (field, most values per call). ZEGO DescribeUserNum: "RoomId[]=a&RoomId[]=b (<= 10)".
BATCHES: dict[tuple[str, str], tuple[str, int]] = {("ZEGO", "DescribeUserNum"): ("RoomId[]", 10)}
# Callers waiting for a turn per action: a waiting caller holds no connection (the turn comes
# before the request), so there are enough of them that one room's wait never holds up the others.
MAX_WAITING_CALLS = 256
# Batched actions fill their batch when their turn comes; two callers keep one call in flight
# while the next waits for its turn.
MAX_BATCH_CALLERS = 2


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _split(vendor: str, call: VendorCall) -> tuple[tuple, Any, tuple[str, int] | None]:
    """(merge key, this call's share of a batch or None, batch rule) for ``call``."""
    rule = BATCHES.get((vendor, call.action))
    values = call.query.get(rule[0]) if rule else None
    if isinstance(values, str):
        values = [values]
    if rule and isinstance(values, list) and len(values) == 1:
        rest = {k: v for k, v in call.query.items() if k != rule[0]}
        return (call.action, call.method, call.version, call.endpoint, _freeze(rest)), values[0], rule
    return (call.action, call.method, call.version, call.endpoint, _freeze(call.query), _freeze(call.body)), None, None


@dataclass
class _Unit:
    """One thing to observe (a room of a batch, or a whole call) and everyone waiting for it."""

    call: VendorCall
    waiters: list[asyncio.Future] = field(default_factory=list)


class _Group:
    """The triggers of one connection (and hook settings) in one event loop."""

    def __init__(self, hub: PollHub, key: tuple, hook_class: type[RtcHook], conn_id: str, overrides: dict):
        self.hub, self.key = hub, key
        self.hook_class, self.conn_id, self.overrides = hook_class, conn_id, overrides
        self.members = 0
        self.hook: RtcHook | None = None
        self.client: httpx.AsyncClient | None = None
        self._hook_lock = asyncio.Lock()
        # action -> merge key -> (unit key -> unit), oldest first: the next call takes from the front.
        # Kept per action because each action has its own budget: calls of a slow one (ZEGO
        # DescribeUserNum, 10/s) waiting for their turn must not hold up a fast one (100/s).
        self.pending: dict[str, OrderedDict[tuple, OrderedDict[tuple, _Unit]]] = {}
        self.in_flight: dict[tuple, _Unit] = {}
        self.dispatchers: dict[str, set[asyncio.Task]] = {}

    async def observe(self, call: VendorCall) -> ApiResult:
        merge_key, value, rule = _split(self.hook_class.vendor, call)
        unit_key = (merge_key, value)
        future = asyncio.get_running_loop().create_future()
        unit = self.in_flight.get(unit_key)  # its request is on its way: share its answer
        if unit is None:
            units = self.pending.setdefault(call.action, OrderedDict()).setdefault(merge_key, OrderedDict())
            unit = units.setdefault(unit_key, _Unit(call))
        unit.waiters.append(future)
        self.hub.observations += 1
        self._ensure_dispatcher(call.action)
        try:
            return await future
        except asyncio.CancelledError:
            self._forget(call.action, merge_key, unit_key, unit, future)
            raise

    def _forget(self, action: str, merge_key: tuple, unit_key: tuple, unit: _Unit, future: asyncio.Future) -> None:
        """A cancelled waiter leaves; a pending unit nobody waits for any more is not sent."""
        if future in unit.waiters:
            unit.waiters.remove(future)
        pending = self.pending.get(action)
        units = pending.get(merge_key) if pending is not None else None
        if not unit.waiters and pending is not None and units is not None and units.get(unit_key) is unit:
            del units[unit_key]
            if not units:
                del pending[merge_key]

    def _ensure_dispatcher(self, action: str) -> None:
        running = self.dispatchers.setdefault(action, set())
        batched = (self.hook_class.vendor, action) in BATCHES
        if self.pending.get(action) and len(running) < (MAX_BATCH_CALLERS if batched else MAX_WAITING_CALLS):
            task = asyncio.get_running_loop().create_task(self._dispatch(action))
            running.add(task)
            task.add_done_callback(running.discard)

    def _take(self, action: str) -> tuple[VendorCall, dict[tuple, _Unit]] | None:
        """The oldest pending call of ``action``, with up to a batch's worth of rooms of its shape."""
        pending = self.pending.get(action)
        if not pending:
            return None
        merge_key, units = next(iter(pending.items()))
        first_key, first = next(iter(units.items()))
        rule = BATCHES.get((self.hook_class.vendor, first.call.action)) if first_key[1] is not None else None
        limit = rule[1] if rule else 1
        taken: dict[tuple, _Unit] = {}
        while units and len(taken) < limit:
            unit_key, unit = units.popitem(last=False)
            taken[unit_key] = unit
        if not units:
            del pending[merge_key]
        call = first.call
        if rule:
            call = replace(call, query={**call.query, rule[0]: [key[1] for key in taken]})
        self.in_flight.update(taken)
        return call, taken

    async def _dispatch(self, action: str) -> None:
        from airflow_provider_rtc.ratelimit import governor

        batched = (self.hook_class.vendor, action) in BATCHES
        while self.pending.get(action):
            if batched:
                # Take the turn first and fill the batch when it comes: the longer the queue, the
                # fuller each call (10 rooms for ZEGO DescribeUserNum), never more calls.
                try:
                    hook, client = await self._hook()
                    pending = self.pending.get(action)
                    if not pending:
                        break
                    first = next(iter(next(iter(pending.values())).values()))
                    await governor.take_turn(hook, first.call)
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # noqa: BLE001 - e.g. the connection cannot be read
                    if (work := self._take(action)) is not None:
                        self._settle(work[1], error, failed=True)
                    continue
            if (work := self._take(action)) is None:
                break
            call, taken = work
            try:
                hook, client = await self._hook()
                self.hub.calls += 1
                outcome: Any = await hook.arun(call, client)
                failed = False
            except asyncio.CancelledError:
                self._settle(taken, None, failed=True, cancelled=True)
                raise
            except Exception as error:  # noqa: BLE001 - every sharer gets the error its own call would have raised
                outcome, failed = error, True
            self._settle(taken, outcome, failed)

    def _settle(self, taken: dict[tuple, _Unit], outcome: Any, failed: bool, cancelled: bool = False) -> None:
        for unit_key, unit in taken.items():
            if self.in_flight.get(unit_key) is unit:
                del self.in_flight[unit_key]
            for future in unit.waiters:
                if future.done():
                    continue
                if cancelled:
                    future.cancel()
                elif failed:
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    async def _hook(self) -> tuple[RtcHook, httpx.AsyncClient]:
        async with self._hook_lock:
            if self.hook is None:
                hook = await self.hook_class.for_trigger(self.conn_id, **self.overrides)
                self.client = hook.async_client()
                self.hook = hook
        assert self.client is not None
        return self.hook, self.client

    async def close(self) -> None:
        tasks = [task for running in self.dispatchers.values() for task in running]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self.client is not None:
            await self.client.aclose()
        self.hook = self.client = None


class Watcher:
    """A trigger's handle on its group: ``poll_once(condition)`` is one observation."""

    def __init__(self, group: _Group):
        self.group = group

    async def poll_once(self, condition: Condition) -> Outcome:
        """One observation (``conditions.check_once_async`` with the call shared); an error that
        is not itself an observation is raised, transient ones included (the trigger decides)."""
        from airflow_provider_rtc.errors import RtcApiError

        hook, _ = await self.group._hook()
        call = hook.prepare(condition.action, **condition.request())
        try:
            return condition.evaluate(await self.group.observe(call))
        except RtcApiError as error:
            observed = condition.evaluate_error(error)
            if observed is None:
                raise
            return observed


class PollHub:
    """The triggers of one event loop, grouped by connection."""

    def __init__(self):
        self.groups: dict[tuple, _Group] = {}
        self.calls = 0  # vendor calls made (one per batch or shared call; the hook's retries aside)
        self.observations = 0  # observations answered: what one poll per trigger would have cost

    @asynccontextmanager
    async def watch(self, hook_class: type[RtcHook], conn_id: str, overrides: dict) -> AsyncIterator[Watcher]:
        key = (hook_class.__module__, hook_class.__qualname__, conn_id, _freeze(overrides))
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = _Group(self, key, hook_class, conn_id, dict(overrides))
        group.members += 1
        try:
            yield Watcher(group)
        finally:
            group.members -= 1
            if group.members == 0 and self.groups.get(key) is group:
                del self.groups[key]
                await asyncio.shield(group.close())


_HUBS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def hub() -> PollHub:
    """The running event loop's hub (a triggerer has one loop; tests start many)."""
    loop = asyncio.get_running_loop()
    found = _HUBS.get(loop)
    if found is None:
        found = _HUBS[loop] = PollHub()
    return found
