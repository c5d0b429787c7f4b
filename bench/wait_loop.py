"""N deferred sensors of all six kinds waiting in one event loop until their state changes (a child).

``python -m bench.wait_loop --kind rtc|http --count N --window W --seed S`` with the connections
in the environment; prints one JSON line.

rtc: N ``RtcConditionTrigger``s, the six sensor kinds in turn, each with a poke interval a user
would set (1-60 s; ZEGO streams at least its 10 s). Each waits on its own room or task, which
exists in the "not yet" state (mix and segment tasks are started through the vendor APIs first).
A changer thread flips each resource once, at a random moment of the window, through the
sandbox's control API (or ZEGO StopMix); the latency is from that change to the trigger's event.
Every trigger must fire ``done``; anything else is an error. Triggers start as if their sensors
had deferred at random moments of the last interval (``poked_at``), so first polls spread out.

http: N Airflow ``HttpSensorTrigger``s with the same intervals polling a URL the sandbox answers
404 (their "not yet"), for the loop's lag and memory at the same scale; they never fire.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import http.client
import json
import logging
import os
import random
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from bench.trigger_loop import PROBE_TICK, GcPauses, _probe

KINDS = ("zego_room_users", "zego_room_streams", "zego_mix_task", "volcengine_segment_task",
         "volcengine_room_users", "tencent_room")
INTERVALS = (1.0, 5.0, 10.0, 30.0, 60.0)
SMOKE_INTERVALS = (1.0, 2.0)
OVERRIDES = {"max_retries": 1, "backoff_base": 0.5, "total_timeout": 60.0}  # what the sensors hand over
VOLC_APP = "sandbox-volc-app"


def plan(count: int, seed: int, intervals: tuple[float, ...]) -> list[dict]:
    rng = random.Random(seed)
    specs = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        interval = rng.choice(intervals)
        if kind == "zego_room_streams":
            interval = max(interval, 10.0)  # the sensor raises it to ZEGO's 10 s per room
        specs.append({"i": i, "kind": kind, "interval": interval, "id": f"w{seed}-{kind[:10]}-{i}"})
    return specs


def condition_of(spec: dict) -> dict:
    from airflow_provider_rtc import conditions

    rid, kind = spec["id"], spec["kind"]
    if kind == "zego_room_users":
        return conditions.ZegoRoomUsers(room_id=rid, until="occupied").to_dict()
    if kind == "zego_room_streams":
        return conditions.ZegoRoomStreams(room_id=rid, min_streams=1).to_dict()
    if kind == "zego_mix_task":
        return conditions.ZegoMixTask(mix_task_id=rid, until="stopped").to_dict()
    if kind == "volcengine_segment_task":
        return conditions.VolcengineSegmentTask(app_id=VOLC_APP, room_id=rid, segment_task_id=rid,
                                                until="ended").to_dict()
    if kind == "volcengine_room_users":
        return conditions.VolcengineRoomUsers(app_id=VOLC_APP, room_id=rid, until="occupied").to_dict()
    return conditions.TencentRoom(room_id=rid, until="exists").to_dict()


CONN = {"zego": "zego_default", "volcengine": "volcengine_rtc_default", "tencent": "tencent_live_default"}


def prepare(specs: list[dict]) -> None:
    """Start the mix and segment tasks the triggers wait on (through the vendor APIs, governed)."""
    from airflow_provider_rtc.hooks.calls import VendorCall
    from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook
    from airflow_provider_rtc.hooks.zego import ZegoHook

    def mixes():
        with ZegoHook(CONN["zego"]) as hook:
            for spec in specs:
                if spec["kind"] == "zego_mix_task":
                    hook.run(VendorCall(action="StartAutoMix", body={
                        "TaskId": spec["id"], "UserId": "bench", "RoomId": spec["id"],
                        "MixOutput": [{"StreamId": f"{spec['id']}-out"}]}))

    def segments():
        with VolcengineRtcHook(CONN["volcengine"]) as hook:
            for spec in specs:
                if spec["kind"] == "volcengine_segment_task":
                    hook.run(VendorCall(action="StartSegment", version="2020-12-01", body={
                        "AppId": VOLC_APP, "RoomId": spec["id"], "TaskId": spec["id"], "MaxIdleTime": 86400}))

    threads = [threading.Thread(target=work) for work in (mixes, segments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class Changer(threading.Thread):
    """Flips each resource once at its moment; records when each change was made."""

    def __init__(self, sandbox_url: str, schedule: list[tuple[float, dict]]):
        super().__init__(daemon=True)
        self.schedule = schedule  # (monotonic moment, spec), sorted
        self.changed_at: dict[int, float] = {}
        self.failures: list[str] = []
        parts = urlsplit(sandbox_url)
        self.host, self.port = parts.hostname, parts.port
        self.stop = threading.Event()

    def run(self) -> None:
        from airflow_provider_rtc.hooks.calls import VendorCall
        from airflow_provider_rtc.hooks.zego import ZegoHook

        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        with ZegoHook(CONN["zego"]) as zego:
            for moment, spec in self.schedule:
                while not self.stop.is_set() and (delay := moment - time.monotonic()) > 0:
                    self.stop.wait(min(delay, 0.5))
                if self.stop.is_set():
                    return
                try:
                    if spec["kind"] == "zego_mix_task":
                        zego.run(VendorCall(action="StopMix", body={"TaskId": spec["id"], "UserId": "bench"}))
                    else:
                        vendor, payload = _control(spec)
                        connection.request("POST", f"/_sandbox/state/{vendor}", body=json.dumps(payload),
                                           headers={"Content-Type": "application/json"})
                        response = connection.getresponse()
                        body = response.read()
                        if response.status != 200:
                            raise RuntimeError(body[:200])
                    self.changed_at[spec["i"]] = time.monotonic()
                except Exception as error:  # noqa: BLE001 - reported, the run goes on
                    self.failures.append(f"{spec['kind']}: {type(error).__name__}: {error}"[:300])


def _control(spec: dict) -> tuple[str, dict]:
    rid, kind = spec["id"], spec["kind"]
    if kind == "zego_room_users":
        return "zego", {"command": "set_users", "room_id": rid, "count": 1}
    if kind == "zego_room_streams":
        return "zego", {"command": "add_stream", "room_id": rid, "stream_id": f"{rid}-cam", "user_id": "host"}
    if kind == "volcengine_segment_task":
        return "volcengine", {"command": "end_segment", "room_id": rid, "task_id": rid, "app_id": VOLC_APP}
    if kind == "volcengine_room_users":
        return "volcengine", {"command": "set_room_users", "room_id": rid, "count": 1, "app_id": VOLC_APP}
    return "tencent", {"command": "create_room", "room_id": rid}


async def _wait(trigger, spec, fired: dict, errors: list) -> None:
    try:
        async for event in trigger.run():
            fired[spec["i"]] = time.monotonic()
            if event.payload.get("status") != "done":
                errors.append(f"{spec['kind']}: {event.payload}"[:300])
            return
    except asyncio.CancelledError:
        raise
    except Exception as error:  # noqa: BLE001
        errors.append(f"{spec['kind']} crashed: {type(error).__name__}: {error}"[:300])


async def _wait_http(trigger, errors: list) -> None:
    try:
        async for event in trigger.run():
            errors.append(f"http trigger fired: {event.payload!r}"[:300])
            return
    except asyncio.CancelledError:
        raise
    except Exception as error:  # noqa: BLE001
        errors.append(f"http trigger crashed: {type(error).__name__}: {error}"[:300])


def _count_http_polls(counter: list[int]) -> None:
    from airflow.providers.http.hooks.http import HttpAsyncHook

    original = HttpAsyncHook.run

    async def counted(self, *args, **kwargs):
        counter[0] += 1
        return await original(self, *args, **kwargs)

    HttpAsyncHook.run = counted


def _count_vendor_calls(counter: list[int]) -> None:
    """Every attempt that goes to the vendor (retries included) passes the transport's async send."""
    from airflow_provider_rtc.hooks import transport

    original = transport.send_async

    async def counted(*args, **kwargs):
        counter[0] += 1
        return await original(*args, **kwargs)

    transport.send_async = counted


async def main_async(args) -> dict:
    import psutil

    process = psutil.Process()
    intervals = SMOKE_INTERVALS if args.smoke else INTERVALS
    specs = plan(args.count, args.seed, intervals)
    errors: list[str] = []
    http_polls, vendor_attempts = [0], [0]
    if args.kind == "rtc":
        await asyncio.get_running_loop().run_in_executor(None, prepare, specs)
        _count_vendor_calls(vendor_attempts)
    else:
        _count_http_polls(http_polls)

    stop = asyncio.Event()
    gc_pauses = GcPauses()
    lags: list[tuple[float, float]] = []
    probe = asyncio.create_task(_probe(lags, stop))
    await asyncio.sleep(0.5)
    gc.collect()
    baseline_rss = process.memory_info().rss
    rng = random.Random(args.seed + 1)
    now = datetime.now(timezone.utc)
    started = time.monotonic()
    fired: dict[int, float] = {}
    if args.kind == "rtc":
        from airflow_provider_rtc.triggers.rtc import RtcConditionTrigger

        triggers = [(RtcConditionTrigger(
            conn_id=CONN[spec["kind"].split("_")[0]], condition=condition_of(spec), poll_interval=spec["interval"],
            hook_overrides=OVERRIDES,
            poked_at=(now - timedelta(seconds=rng.uniform(0, spec["interval"]))).isoformat()), spec)
            for spec in specs]
        tasks = [asyncio.create_task(_wait(trigger, spec, fired, errors)) for trigger, spec in triggers]
    else:
        from airflow.providers.http.triggers.http import HttpSensorTrigger

        # Started spread over each one's interval, as sensors deferred at different moments.
        async def delayed(trigger, delay):
            await asyncio.sleep(delay)
            await _wait_http(trigger, errors)

        triggers = [(HttpSensorTrigger(endpoint="/", http_conn_id="bench_http", method="GET",
                                       data={"Action": "DescribeUserNum", "RoomId[]": spec["id"]},
                                       poke_interval=spec["interval"]), spec) for spec in specs]
        tasks = [asyncio.create_task(delayed(trigger, rng.uniform(0, spec["interval"]))) for trigger, spec in triggers]
    del triggers

    # Changes: each resource once, uniformly over the window after a lead-in.
    lead = args.lead
    changer = None
    if args.kind == "rtc":
        schedule = sorted(((started + lead + rng.uniform(0, args.window), spec) for spec in specs),
                          key=lambda item: item[0])
        changer = Changer(args.sandbox_url, schedule)
        changer.start()
    deadline = started + lead + args.window + args.tail
    peak_rss = process.memory_info().rss
    while time.monotonic() < deadline and (args.kind == "http" or len(fired) < len(specs)):
        await asyncio.sleep(0.5)
        peak_rss = max(peak_rss, process.memory_info().rss)
    ended = time.monotonic()
    stop.set()
    if changer:
        changer.stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.wait_for(asyncio.gather(*tasks, probe, return_exceptions=True), timeout=60)

    from airflow_provider_rtc.triggers import poll_hub

    hub = poll_hub.hub()
    window = [lag for at, lag in lags if started + lead <= at <= ended]
    latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
    latency_by_trigger: list[tuple[str, float, float]] = []  # (kind, poke interval, latency)
    # What one poll per sensor at its interval would have sent over the same waits.
    naive_polls = 0.0
    for spec in specs:
        if spec["i"] in fired:
            naive_polls += (fired[spec["i"]] - started) / spec["interval"]
        if changer and spec["i"] in fired and spec["i"] in changer.changed_at:
            latency = fired[spec["i"]] - changer.changed_at[spec["i"]]
            latencies[spec["kind"]].append(latency)
            latency_by_trigger.append((spec["kind"], spec["interval"], latency))
    worst = sorted(window, reverse=True)[:max(1, len(window) // 100)]
    return {
        "kind": args.kind, "count": args.count, "seed": args.seed,
        "specs": [[s["kind"], s["interval"]] for s in specs],
        "duration_s": ended - started, "lead_s": lead, "window_s": args.window,
        "fired": len(fired), "changed": len(changer.changed_at) if changer else 0,
        "latencies_s": latencies, "latency_by_trigger": latency_by_trigger,
        "lag_ms": [lag * 1000 for lag in window], "worst_lag_ms": [w * 1000 for w in worst],
        "baseline_rss_mb": baseline_rss / 2**20, "peak_rss_mb": peak_rss / 2**20,
        "errors": len(errors) + (len(changer.failures) if changer else 0),
        "error_samples": (errors + (changer.failures if changer else []))[:5],
        "vendor_attempts": vendor_attempts[0], "hub_calls": hub.calls, "hub_observations": hub.observations,
        "naive_polls": naive_polls, "http_polls": http_polls[0],
        "gc_full_collections": sum(1 for b, e, g in gc_pauses.pauses if g == 2),
        "probe_tick_ms": PROBE_TICK * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.wait_loop")
    parser.add_argument("--kind", choices=("rtc", "http"), required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--window", type=float, required=True, help="changes happen over this many seconds")
    parser.add_argument("--lead", type=float, default=5.0, help="seconds before the first change")
    parser.add_argument("--tail", type=float, required=True, help="seconds after the window for the last events")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sandbox-url", default="")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # thousands of transient-error lines would only slow the loop
    result = asyncio.run(main_async(args))
    print(json.dumps(result), flush=True)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
