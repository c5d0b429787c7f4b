"""2. Per-call overhead: a vendor call through our hook vs. the floor, a plain pre-signed post.

Both sides talk to the same loopback sandbox over a keep-alive connection and get the same
successful answer, so the difference is what the hook adds: signing, masking, retry bookkeeping,
the bounded body read, and interpreting the vendor envelope. The floor's request is built and
signed by the hook *before* its clock starts, then sent with ``requests.Session.post`` as-is.
Calls alternate hook/floor (order flipped every call); the state a call consumes (a running mix
or segment task) is put back before each call, outside the timing.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Callable
from urllib.parse import urlencode

from bench.stats import Section

GOAL = 1.15
ROOM = "bench-room"
MIX_TASK = "bench-mix"
SEGMENT_TASK = "bench-segment"


def _vendors(sandbox) -> dict[str, dict[str, Any]]:
    """Per vendor: the hook, the call, how to reset the state it consumes, and how to check the answer."""
    from airflow_provider_rtc.hooks.calls import VendorCall
    from airflow_provider_rtc.hooks.tencent import TencentLiveHook
    from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook
    from airflow_provider_rtc.hooks.zego import ZegoHook
    from airflow_provider_rtc.sandbox.credentials import SANDBOX_CREDENTIALS

    app_id = SANDBOX_CREDENTIALS["volcengine"]["app_id"]
    zego, volcengine = sandbox.route("zego"), sandbox.route("volcengine")
    sandbox.route("tencent").create_room(ROOM, mix="paused")

    def seed_mix() -> None:
        with sandbox.lock:
            zego.mix_tasks[MIX_TASK] = {"TaskId": MIX_TASK, "UserId": "bench", "RoomId": ROOM, "auto": False,
                                        "MixOutput": [], "started": time.time(), "Sequence": 0}

    def seed_segment() -> None:
        with sandbox.lock:
            volcengine.segment_tasks[(app_id, ROOM, SEGMENT_TASK)] = {
                "AppId": app_id, "RoomId": ROOM, "TaskId": SEGMENT_TASK, "Status": 2, "StopReason": "",
                "StartTime": int(time.time() * 1000), "EndTime": 0}

    return {
        "zego": {"label": "ZEGO StopMix", "hook": ZegoHook(), "seed": seed_mix,
                 "call": VendorCall(action="StopMix", body={"TaskId": MIX_TASK, "UserId": "bench"}),
                 "ok": lambda doc: doc.get("Code") == 0},
        "volcengine": {"label": "Volcengine StopSegment", "hook": VolcengineRtcHook(), "seed": seed_segment,
                       "call": VendorCall(action="StopSegment", version="2020-12-01",
                                          body={"AppId": app_id, "RoomId": ROOM, "TaskId": SEGMENT_TASK}),
                       "ok": lambda doc: "Error" not in doc.get("ResponseMetadata", {})},
        "tencent": {"label": "Tencent resume_mcu_task", "hook": TencentLiveHook(), "seed": lambda: None,
                    "call": VendorCall(action="resume_mcu_task", body={"RoomId": ROOM}),
                    "ok": lambda doc: doc.get("ErrorCode") == 0},
    }


def _timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter_ns()
    result = function()
    return (time.perf_counter_ns() - started) / 1000.0, result


def measure(*, calls: int, warmup: int) -> Section:
    import requests

    from airflow_provider_rtc.sandbox import Sandbox
    from airflow_provider_rtc.sandbox.credentials import airflow_connection_env

    section = Section("calls", "Per-call overhead (loopback sandbox, keep-alive)",
                      params={"calls_per_side": calls, "warmup_calls": warmup, "percentile_goal": "p50"})
    errors = 0
    with Sandbox(lifetime=600) as sandbox:
        connections = airflow_connection_env(sandbox.url)
        saved = {key: os.environ.get(key) for key in connections}
        os.environ.update(connections)
        try:
            vendors = _vendors(sandbox)
            for name, vendor in vendors.items():
                hook, call, seed = vendor["hook"], vendor["call"], vendor["seed"]
                session = requests.Session()

                def through_hook(hook=hook, call=call):
                    return hook.run(call)

                def floor(prepared, session=session):
                    response = session.post(prepared[0], data=prepared[1], headers=prepared[2], timeout=(5, 30))
                    return response.status_code, response.content

                hook_us: list[float] = []
                floor_us: list[float] = []
                for index in range(warmup + calls):
                    for side in (("hook", "floor") if index % 2 == 0 else ("floor", "hook")):
                        seed()
                        if side == "hook":
                            elapsed, _ = _timed(through_hook)  # raises on any failure
                            if index >= warmup:
                                hook_us.append(elapsed)
                        else:
                            request = hook.build_request(call)  # signed before the clock starts
                            prepared = (f"{request.url}?{urlencode(request.params, doseq=True)}", request.body,
                                        request.headers)
                            elapsed, (status, body) = _timed(lambda prepared=prepared: floor(prepared))
                            if status != 200 or not vendor["ok"](json.loads(body)):
                                errors += 1
                            if index >= warmup:
                                floor_us.append(elapsed)
                session.close()
                hook.close()
                section.figure(f"{name}_hook", hook_us, "us", f"{vendor['label']} through the hook")
                section.figure(f"{name}_floor", floor_us, "us", f"{vendor['label']}, pre-signed requests post")
                section.ratio(f"{name}_p50", f"{name}_hook", f"{name}_floor", f"{vendor['label']}: hook / floor (p50)",
                              goal=GOAL)
                # Absolute overhead: easier to reason about than a ratio whose floor includes the server.
                section.derive(f"{name}_overhead_p50", f"{vendor['label']}: hook - floor (p50)",
                               section.figures[f"{name}_hook"]["median"] - section.figures[f"{name}_floor"]["median"],
                               "us")
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    section.counts["floor_errors"] = errors
    return section
