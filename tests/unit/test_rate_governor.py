"""The process rate governor: budget under bursts, fairness, no starvation, per-resource intervals.

Most tests drive the governor's wait steps with a simulated clock (a discrete-event loop over the
generator that both the thread and the asyncio paths use), so hours of polling take milliseconds
and every release time is exact. The last ones use the real clock, threads and asyncio.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import threading
import time

import pytest

from airflow_provider_rtc.catalogue import documented_limit
from airflow_provider_rtc.errors import RtcConfigError
from airflow_provider_rtc.hooks.calls import VendorCall
from airflow_provider_rtc.ratelimit import governor as governor_module
from airflow_provider_rtc.ratelimit.governor import HEADROOM, INTERVAL_MARGIN, Plan, RateGovernor, plan_for

KEY = ("zego", "host", "1", "DescribeUserNum")


def rate_plan(rate=10.0, key=KEY, **kwargs) -> Plan:
    return Plan(key=key, spacing=1 / (rate * HEADROOM), label="test", rate=rate * HEADROOM, **kwargs)


class Simulation:
    """Callers as generators on a simulated clock. ``lateness`` delays every wake-up (a busy loop)."""

    def __init__(self, lateness=lambda: 0.0):
        self.now = 0.0
        self.governor = RateGovernor(clock=lambda: self.now)
        self.lateness = lateness
        self.queue: list = []
        self.seq = itertools.count()
        self.releases: list[tuple[str, float, Plan]] = []

    def arrive(self, at: float, name: str, plan: Plan, then=None):
        heapq.heappush(self.queue, (at, next(self.seq), name, plan, None, then))

    def run(self, until: float = float("inf")):
        while self.queue and self.queue[0][0] <= until:
            at, _, name, plan, steps, then = heapq.heappop(self.queue)
            self.now = max(self.now, at)
            steps = steps or self.governor.steps(plan)
            try:
                wait = next(steps)
            except StopIteration as done:
                assert done.value == self.now
                self.releases.append((name, self.now, plan))
                if then:
                    then(self, name, self.now)
                continue
            assert wait > 0
            heapq.heappush(self.queue, (self.now + wait + self.lateness(), next(self.seq), name, plan, steps, then))
        return self.releases


def max_in_any_window(times, window=1.0):
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_a_burst_is_spaced_at_the_documented_rate():
    sim = Simulation()
    for i in range(200):
        sim.arrive(0.0, f"c{i}", rate_plan(10.0))
    releases = sim.run()
    times = [t for _, t, _ in releases]
    assert len(times) == 200
    assert max_in_any_window(times) <= 10
    assert min(b - a for a, b in itertools.pairwise(times)) == pytest.approx(1 / 9.5)
    assert [name for name, _, _ in releases] == [f"c{i}" for i in range(200)]  # first come, first served


def test_a_stalled_loop_never_turns_into_a_burst():
    # Every wake-up comes up to 0.3 s late (GC pauses): releases are still spaced by the budget.
    stalls = itertools.cycle([0.0, 0.3, 0.05, 0.0, 0.2, 0.0, 0.0, 0.29])
    sim = Simulation(lateness=lambda: next(stalls))
    for i in range(100):
        sim.arrive(i * 0.01, f"c{i}", rate_plan(10.0))
    times = [t for _, t, _ in sim.run()]
    assert len(times) == 100
    assert min(b - a for a, b in itertools.pairwise(times)) >= 1 / 9.5 - 1e-9
    assert max_in_any_window(times) <= 10


def test_every_caller_gets_its_share_when_demand_exceeds_the_budget():
    # 40 sensors each wanting a poll every 0.5 s (80/s) against 10/s: all stretched alike, none starves.
    def again(sim, name, released):
        sim.arrive(released + 0.5, name, rate_plan(10.0), then=again)

    sim = Simulation()
    for i in range(40):
        sim.arrive(i * 0.0125, f"s{i}", rate_plan(10.0), then=again)
    releases = sim.run(until=600.0)
    counts = {f"s{i}": 0 for i in range(40)}
    gaps: dict[str, list[float]] = {name: [] for name in counts}
    last: dict[str, float] = {}
    for name, at, _ in releases:
        counts[name] += 1
        if name in last:
            gaps[name].append(at - last[name])
        last[name] = at
    assert max_in_any_window([t for _, t, _ in releases]) <= 10
    assert min(counts.values()) >= max(counts.values()) - 1  # fair to within one poll in 10 minutes
    # No caller ever waits much longer than one full round of all callers (40 / 9.5 s).
    assert max(g for gs in gaps.values() for g in gs) <= 40 / 9.5 + 0.5 + 1e-6


def test_keys_do_not_share_a_budget():
    sim = Simulation()
    other = ("zego", "host", "2", "DescribeUserNum")  # another AppId
    for i in range(20):
        sim.arrive(0.0, f"a{i}", rate_plan(10.0))
        sim.arrive(0.0, f"b{i}", rate_plan(10.0, key=other))
    releases = sim.run()
    a = [t for n, t, _ in releases if n.startswith("a")]
    b = [t for n, t, _ in releases if n.startswith("b")]
    assert max(a) == pytest.approx(19 / 9.5) and max(b) == pytest.approx(19 / 9.5)


def test_calls_on_one_room_are_spaced_by_the_room_interval_and_others_are_not_held_up():
    def plan(room):
        return rate_plan(50.0, key=("zego", "h", "1", "DescribeSimpleStreamList"), resource=room,
                         resource_interval=10.0 + INTERVAL_MARGIN)

    sim = Simulation()
    for i in range(3):
        sim.arrive(i * 0.1, f"same{i}", plan("room-a"))
    for i in range(20):
        sim.arrive(0.05 + i * 0.01, f"other{i}", plan(f"room-{i}"))
    releases = sim.run()
    same = [t for n, t, _ in releases if n.startswith("same")]
    assert [n for n, _, _ in releases if n.startswith("same")] == ["same0", "same1", "same2"]
    assert all(b - a >= 10.0 + INTERVAL_MARGIN - 1e-9 for a, b in itertools.pairwise(same))
    others = [t for n, t, _ in releases if n.startswith("other")]
    assert max(others) < 1.0  # 20 other rooms went at the AppId's rate meanwhile


def test_the_room_interval_holds_even_when_the_rate_slot_comes_late():
    # A saturated budget delays the first call's release; the second call on the room counts from
    # the real release, not from when the first one got its room turn.
    def plan(room):
        return rate_plan(1.0, key=("zego", "h", "1", "DescribeSimpleStreamList"), resource=room,
                         resource_interval=2.0)

    sim = Simulation()
    for i in range(5):
        sim.arrive(0.0, f"busy{i}", plan(f"busy-{i}"))
    sim.arrive(0.0, "room0", plan("room"))
    sim.arrive(0.1, "room1", plan("room"))
    releases = dict((n, t) for n, t, _ in sim.run())
    assert releases["room1"] - releases["room0"] >= 2.0 - 1e-9


def test_stretching_is_logged_once_not_on_every_poll(caplog):
    sim = Simulation()
    with caplog.at_level(logging.INFO, logger=governor_module.__name__):
        for i in range(300):
            sim.arrive(i * 0.02, f"c{i}", rate_plan(10.0))
        sim.run()
        # Demand falls back under the budget, then rises again within five minutes: no new warning.
        for i in range(300):
            sim.arrive(sim.now + 60 + i * 0.02, f"d{i}", rate_plan(10.0))
        sim.run()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "spaced out" in warnings[0].getMessage()
    assert sum("back within the budget" in r.getMessage() for r in caplog.records) == 1


def test_a_disabled_governor_never_waits():
    sim = Simulation()
    sim.governor.enabled = False
    for i in range(50):
        sim.arrive(0.0, f"c{i}", rate_plan(1.0))
    assert {t for _, t, _ in sim.run()} == {0.0}


# -- plans from a connection ------------------------------------------------------------------------


@pytest.fixture
def zego_hook(monkeypatch):
    from airflow_provider_rtc.hooks.zego import ZegoHook
    from tests.conftest import set_connection

    def make(extra):
        set_connection(monkeypatch, "rate_zego", {"conn_type": "zego", "login": "42", "password": "s",
                                                  "host": "http://127.0.0.1:9", "extra": extra})
        return ZegoHook("rate_zego")

    return make


def test_plan_uses_the_documented_limit_and_the_users_share(zego_hook):
    call = VendorCall(action="DescribeUserNum", method="GET", query={"RoomId[]": ["r"]})
    assert plan_for(zego_hook({}), call).spacing == pytest.approx(1 / (10 * HEADROOM))
    assert plan_for(zego_hook({"rate_limit_share": "0.5"}), call).spacing == pytest.approx(1 / (5 * HEADROOM))
    own = plan_for(zego_hook({"rate_limits": '{"DescribeUserNum": 2}'}), call)
    assert own.spacing == pytest.approx(1 / (2 * HEADROOM))
    streams = plan_for(zego_hook({}), VendorCall(action="DescribeSimpleStreamList", method="GET",
                                                 query={"RoomId": "r1"}))
    assert streams.resource == "r1" and streams.resource_interval == 10.0 + INTERVAL_MARGIN
    assert plan_for(zego_hook({}), VendorCall(action="StartRealtimeASRTask")).spacing is None  # none documented
    assert documented_limit("volcengine", "GetSegmentTask").scope == "account"


def test_the_governor_reads_the_catalogue_so_a_changed_entry_changes_the_plan(zego_hook, monkeypatch):
    from tests.conftest import set_resource_interval

    set_resource_interval(monkeypatch, "zego", "DescribeSimpleStreamList", 3.0)
    streams = plan_for(zego_hook({}), VendorCall(action="DescribeSimpleStreamList", method="GET",
                                                 query={"RoomId": "r1"}))
    assert streams.resource_interval == 3.0 + INTERVAL_MARGIN
    assert streams.spacing == pytest.approx(1 / (documented_limit("zego", "DescribeSimpleStreamList").per_second
                                                 * HEADROOM))


def test_what_the_connection_form_saves_by_default_means_the_documented_limits(zego_hook):
    from airflow_provider_rtc.get_provider_info import get_provider_info

    for conn in get_provider_info()["connection-types"]:
        fields = conn["conn-fields"]
        assert "default" in fields["rate_limit_share"]["schema"] and "default" in fields["rate_limits"]["schema"]
    [zego] = [c for c in get_provider_info()["connection-types"] if c["connection-type"] == "zego"]
    saved = {name: zego["conn-fields"][name]["schema"]["default"] for name in ("rate_limit_share", "rate_limits")}
    call = VendorCall(action="DescribeUserNum", method="GET", query={"RoomId[]": ["r"]})
    assert plan_for(zego_hook(saved), call) == plan_for(zego_hook({}), call)


@pytest.mark.parametrize("extra, words", [
    ({"rate_limit_share": 0}, "rate_limit_share"),
    ({"rate_limit_share": "1.5"}, "at most 1"),
    ({"rate_limit_share": True}, "rate_limit_share"),
    ({"rate_limit_share": "nan"}, "rate_limit_share"),
    ({"rate_limits": "[1]"}, "JSON object"),
    ({"rate_limits": {"DescribeUsersNum": 3}}, "DescribeUsersNum"),
    ({"rate_limits": {"DescribeUserNum": -1}}, "above 0"),
    ({"rate_limits": {"DescribeUserNum": "fast"}}, "DescribeUserNum"),
])
def test_bad_rate_extras_are_refused_naming_the_extra(zego_hook, extra, words):
    with pytest.raises(RtcConfigError, match=words) as raised:
        plan_for(zego_hook(extra), VendorCall(action="DescribeUserNum", method="GET"))
    assert "rate_limit" in str(raised.value) and "rate_zego" in str(raised.value)


# -- real clock ---------------------------------------------------------------------------------


def test_real_clock_threads_and_event_loop_share_one_budget():
    governor = RateGovernor()
    plan = rate_plan(40.0)
    released: list[float] = []
    lock = threading.Lock()

    def thread_caller():
        moment = governor.wait_turn(plan)
        with lock:
            released.append(moment)

    async def loop_callers():
        for moment in await asyncio.gather(*(governor.await_turn(plan) for _ in range(15))):
            with lock:
                released.append(moment)

    threads = [threading.Thread(target=thread_caller) for _ in range(15)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    asyncio.run(asyncio.wait_for(loop_callers(), 30))
    for thread in threads:
        thread.join(30)
    released.sort()
    assert len(released) == 30
    assert min(b - a for a, b in itertools.pairwise(released)) >= 1 / (40 * HEADROOM) - 1e-6
    assert released[-1] - started >= 29 / (40 * HEADROOM) - 1e-6


def test_real_clock_cancelling_a_waiter_gives_the_room_back():
    governor = RateGovernor()
    plan = Plan(key=KEY, spacing=None, resource="room", resource_interval=0.3)

    async def scenario():
        await governor.await_turn(plan)  # holds the room until 0.3 s from now
        waiter = asyncio.create_task(governor.await_turn(plan))
        await asyncio.sleep(0.05)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        before = time.monotonic()
        await asyncio.wait_for(governor.await_turn(plan), 5)  # not blocked by the cancelled one
        return time.monotonic() - before

    waited = asyncio.run(scenario())
    assert waited < 0.3 + 0.3  # its own turn after the first call, not a turn behind the cancelled one
