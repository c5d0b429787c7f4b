"""One triggerer-like event loop running N triggers against the sandbox (a child process).

``python -m bench.trigger_loop --kind rtc|http --count N --interval S --window W`` with the
connections in the environment; prints one JSON line. A fresh process per run keeps memory
figures honest (nothing left over from the other kind) and gives the loop a core of its own
(the sandbox runs in yet another process, as a vendor would be elsewhere).

Each trigger runs the way Airflow's triggerer runs it: an ``asyncio`` task iterating
``trigger.run()``. Start times are spread evenly over one poll interval, as sensors deferred at
different moments would be (all starting in the same millisecond would make every poll of the
run land in the same burst). A probe task sleeps 10 ms in a loop; how late it wakes is the
event-loop lag every trigger suffers. Everything is bounded: the run ends after
ramp + window seconds, whatever the triggers do.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import sys
import time

PROBE_TICK = 0.010
ROOM = "bench-room-{}"


class Counters:
    def __init__(self):
        self.measuring = False
        self.polls = 0  # completed observations inside the window
        self.errors = 0  # anything but the expected "not yet"
        self.error_samples: list[str] = []

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what[:300])


def _instrument_rtc(counters: Counters):
    """Count each poll at the hook's async call, the one place every poll passes."""
    from airflow_provider_rtc.hooks.base import RtcHook

    original = RtcHook.arun

    async def counted(self, call, client):
        try:
            result = await original(self, call, client)
        except Exception as error:
            counters.error(f"{type(error).__name__}: {error}")
            raise
        if counters.measuring:
            counters.polls += 1
        return result

    RtcHook.arun = counted


def _instrument_http(counters: Counters):
    from airflow.providers.http.hooks.http import HttpAsyncHook

    original = HttpAsyncHook.run

    async def counted(self, *args, **kwargs):
        try:
            return await original(self, *args, **kwargs)
        except Exception as error:
            # 404 is HttpSensorTrigger's "not yet": a completed poll, not an error.
            if str(error).startswith("404"):
                if counters.measuring:
                    counters.polls += 1
            else:
                counters.error(f"{type(error).__name__}: {error}")
            raise

    HttpAsyncHook.run = counted


def _make_triggers(kind: str, count: int, interval: float) -> list:
    if kind == "rtc":
        from airflow_provider_rtc.conditions import ZegoRoomUsers
        from airflow_provider_rtc.triggers.rtc import RtcConditionTrigger

        # What ZegoRoomUsersSensor(deferrable=True, until="occupied") hands over: rooms stay empty,
        # so every trigger keeps polling for the whole run. Overrides as the sensor sets them.
        return [RtcConditionTrigger(conn_id="zego_default",
                                    condition=ZegoRoomUsers(room_id=ROOM.format(i), until="occupied").to_dict(),
                                    poll_interval=interval,
                                    hook_overrides={"max_retries": 1, "backoff_base": 0.5, "total_timeout": 60.0})
                for i in range(count)]
    from airflow.providers.http.triggers.http import HttpSensorTrigger

    # The same URL our trigger polls (unsigned: the sandbox answers it 404, HttpSensorTrigger's "not yet").
    return [HttpSensorTrigger(endpoint="/", http_conn_id="bench_http", method="GET",
                              data={"Action": "DescribeUserNum", "RoomId[]": ROOM.format(i)}, poke_interval=interval)
            for i in range(count)]


async def _run_trigger(trigger, delay: float, counters: Counters) -> None:
    await asyncio.sleep(delay)
    try:
        async for event in trigger.run():
            # No condition here ever becomes true: any event is a failure of the trigger.
            counters.error(f"trigger fired: {event.payload!r}")
            return
    except asyncio.CancelledError:
        raise
    except Exception as error:
        counters.error(f"trigger crashed: {type(error).__name__}: {error}")


class GcPauses:
    """Every cyclic-GC pause, to tell how much of the worst lag the collector alone explains."""

    def __init__(self):
        self.pauses: list[tuple[float, float, int]] = []  # (start, end, generation)
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((self._started, time.perf_counter(), info["generation"]))

    def overlapping(self, begin: float, end: float, minimum: float = 0.005) -> bool:
        return any(s < end and e > begin and e - s >= minimum for s, e, _ in self.pauses)


async def _probe(lags: list[tuple[float, float]], stop: asyncio.Event) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(PROBE_TICK)
        now = time.perf_counter()
        lags.append((now, max(0.0, now - started - PROBE_TICK)))


async def main_async(args) -> dict:
    import psutil

    process = psutil.Process()
    counters = Counters()
    (_instrument_rtc if args.kind == "rtc" else _instrument_http)(counters)
    triggers = _make_triggers(args.kind, args.count, args.interval)

    stop = asyncio.Event()
    gc_pauses = GcPauses()
    lags: list[tuple[float, float]] = []
    probe = asyncio.create_task(_probe(lags, stop))
    await asyncio.sleep(0.5)  # the probe and the loop are up; imports are done
    gc.collect()
    baseline_rss = process.memory_info().rss

    cpu_before = process.cpu_times()
    started = time.perf_counter()
    tasks = [asyncio.create_task(_run_trigger(t, i * args.interval / args.count, counters))
             for i, t in enumerate(triggers)]
    del triggers
    # Ramp: every trigger has started and polled once before the window opens.
    await asyncio.sleep(args.interval + args.ramp_extra)
    window_start = time.perf_counter()
    counters.measuring = True
    cpu_window = process.cpu_times()
    peak_rss = process.memory_info().rss
    while (elapsed := time.perf_counter() - window_start) < args.window:
        await asyncio.sleep(min(0.5, args.window - elapsed))
        peak_rss = max(peak_rss, process.memory_info().rss)
    window_end = time.perf_counter()
    counters.measuring = False
    cpu_after = process.cpu_times()

    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.wait_for(asyncio.gather(*tasks, probe, return_exceptions=True), timeout=30)

    window = window_end - window_start
    in_window = [lag for at, lag in lags if window_start <= at <= window_end]
    # The worst 1% of probe samples: how many waited through a GC pause of at least 5 ms?
    worst = sorted(((lag, at) for at, lag in lags if window_start <= at <= window_end), reverse=True)
    worst = worst[:max(1, len(worst) // 100)]
    explained = sum(gc_pauses.overlapping(at - lag - PROBE_TICK, at) for lag, at in worst)
    full = [(e - b) * 1000 for b, e, g in gc_pauses.pauses if g == 2 and window_start <= e <= window_end]
    return {
        "kind": args.kind,
        "count": args.count,
        "interval_s": args.interval,
        "window_s": window,
        "lag_ms": [lag * 1000 for lag in in_window],
        "lag_max_incl_ramp_ms": max((lag for at, lag in lags if at >= started), default=0.0) * 1000,
        "baseline_rss_mb": baseline_rss / 2**20,
        "peak_rss_mb": peak_rss / 2**20,
        "polls": counters.polls,
        "polls_per_s": counters.polls / window,
        "expected_polls_per_s": args.count / args.interval,
        "errors": counters.errors,
        "gc_full_collections": len(full),
        "gc_full_pause_max_ms": max(full, default=0.0),
        "gc_pause_total_ms": sum((e - b) * 1000 for b, e, _ in gc_pauses.pauses if window_start <= e <= window_end),
        "worst_lags_with_gc": explained,
        "worst_lags": len(worst),
        "tracked_objects": len(gc.get_objects()),
        "error_samples": counters.error_samples,
        "cpu_pct_window": 100 * ((cpu_after.user + cpu_after.system) - (cpu_window.user + cpu_window.system)) / window,
        "cpu_s_ramp": (cpu_window.user + cpu_window.system) - (cpu_before.user + cpu_before.system),
        "python": sys.version.split()[0],
        "loop": type(asyncio.get_running_loop()).__name__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.trigger_loop")
    parser.add_argument("--kind", choices=("rtc", "http"), required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--interval", type=float, required=True)
    parser.add_argument("--window", type=float, required=True)
    parser.add_argument("--ramp-extra", type=float, default=1.0)
    args = parser.parse_args(argv)
    # Transient-error warnings are counted, not printed: 1,000 of them would only slow the loop.
    logging.disable(logging.WARNING)
    result = asyncio.run(main_async(args))
    print(json.dumps(result), flush=True)
    # Do not wait for library threads (asgiref's executor) at exit: the result is out.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
