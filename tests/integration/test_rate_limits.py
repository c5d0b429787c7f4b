"""The sandbox enforces the vendors' documented limits with each vendor's throttling answer, and the
process governor keeps the hooks under them (against the sandbox, real clock)."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import pytest

from airflow_provider_rtc.errors import ErrorKind, RtcApiError
from airflow_provider_rtc.hooks.calls import VendorCall
from airflow_provider_rtc.hooks.tencent import TencentLiveHook
from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook
from airflow_provider_rtc.hooks.zego import ZegoHook
from airflow_provider_rtc.ratelimit.governor import RateGovernor, reset_process_governor
from airflow_provider_rtc.sandbox import limits as sandbox_limits

USERS = VendorCall(action="DescribeUserNum", method="GET", query={"RoomId[]": ["room"]})
VOLC_USERS = VendorCall(action="GetRoomOnlineUsers", version="2023-11-01", method="GET",
                        query={"AppId": "sandbox-volc-app", "RoomId": "room"})
RESUME = VendorCall(action="resume_mcu_task", method="POST", body={"RoomId": "room"})


async def burst(hook, call, count):
    """``count`` calls at once through one client; the answers or the errors they raised."""
    async with hook.async_client() as client:
        return await asyncio.gather(*(hook.arun(call, client) for _ in range(count)), return_exceptions=True)


def no_retries(hook_class, conn_id):
    hook = hook_class(conn_id, max_retries=0)
    hook.connection  # noqa: B018 - read before the event loop starts
    return hook


def control(sandbox, command):
    with urllib.request.urlopen(f"{sandbox.url}/_sandbox/{command}", timeout=10) as response:
        return json.loads(response.read())


@pytest.mark.parametrize("hook_class, conn_id, call, count, code, status", [
    (ZegoHook, "zego_default", USERS, 25, sandbox_limits.ZEGO_RATE_LIMITED, 200),
    (VolcengineRtcHook, "volcengine_rtc_default", VOLC_USERS, 60, sandbox_limits.VOLCENGINE_RATE_LIMITED, 429),
    (TencentLiveHook, "tencent_live_default", RESUME, 40, sandbox_limits.TENCENT_MIX_RATE_LIMITED, 200),
], ids=["zego", "volcengine", "tencent"])
def test_over_the_limit_the_sandbox_answers_as_the_vendor_throttles(sandbox, connections, hook_class, conn_id,
                                                                     call, count, code, status):
    reset_process_governor(RateGovernor(enabled=False))  # no governor: the burst reaches the sandbox
    outcomes = asyncio.run(burst(no_retries(hook_class, conn_id), call, count))
    throttled = [o for o in outcomes if isinstance(o, RtcApiError) and o.code == code]
    assert throttled, outcomes[:3]
    assert all(e.kind is ErrorKind.RETRYABLE and (e.http_status or 200) == status for e in throttled)
    report = control(sandbox, "limits")
    (key,) = [k for k in report["keys"] if k["action"] == call.action]
    assert key["over_limit"] == len(throttled) and report["over_limit_total"] == len(throttled)
    assert key["accepted"] + key["over_limit"] == count
    assert key["peak_1s"] > key["per_second"] and report["over_peak"]
    assert [r.fault for r in sandbox.received(call.action)].count("rate_limit") == len(throttled)


def test_the_governor_keeps_a_burst_under_the_limit(sandbox, connections):
    outcomes = asyncio.run(burst(no_retries(ZegoHook, "zego_default"), USERS, 25))
    assert not [o for o in outcomes if isinstance(o, BaseException)]
    report = sandbox.limits.report()
    assert report["over_limit_total"] == 0 and not report["over_peak"]
    (key,) = report["keys"]
    assert key["accepted"] == 25 and key["peak_1s"] <= 10
    arrivals = [r.at for r in sandbox.received("DescribeUserNum")]
    assert arrivals[-1] - arrivals[0] >= 24 / 10 * 0.95  # spaced at (a little under) 10 per second


def test_the_sync_path_is_governed_too(sandbox, connections):
    with ZegoHook("zego_default", max_retries=0) as hook:
        for _ in range(15):
            hook.run(USERS)
    assert sandbox.limits.report()["over_limit_total"] == 0
    arrivals = [r.at for r in sandbox.received("DescribeUserNum")]
    # Not peak_1s: the first call's one-off set-up (imports, session) between its turn and the wire
    # can put it right next to the second on arrival. The spacing over the run is what counts.
    assert arrivals[-1] - arrivals[0] >= 14 / 10 * 0.95


def test_one_room_twice_within_ten_seconds_is_over_the_limit(sandbox, connections):
    reset_process_governor(RateGovernor(enabled=False))
    streams = VendorCall(action="DescribeSimpleStreamList", method="GET", query={"RoomId": "one-room"})
    other = VendorCall(action="DescribeSimpleStreamList", method="GET", query={"RoomId": "other-room"})
    with ZegoHook("zego_default", max_retries=0) as hook:
        hook.run(streams)
        hook.run(other)  # another room is its own resource
        with pytest.raises(RtcApiError) as raised:
            hook.run(streams)
    assert raised.value.code == sandbox_limits.ZEGO_RATE_LIMITED
    (key,) = sandbox.limits.report()["keys"]
    assert (key["accepted"], key["over_limit"], key["resource_over_limit"]) == (2, 1, 1)


def test_a_throttled_call_is_retried_and_succeeds(sandbox, connections):
    # Another system on the same AppId used up the second: the hook's retry waits it out.
    reset_process_governor(RateGovernor(enabled=False))
    asyncio.run(burst(no_retries(ZegoHook, "zego_default"), USERS, 12))
    with ZegoHook("zego_default", max_retries=3, backoff_base=0.5) as hook:
        result = hook.run(USERS)
    assert result.data["UserCountList"][0]["RoomId"] == "room"


def test_limits_can_be_switched_off_and_are_still_counted(sandbox, connections):
    reset_process_governor(RateGovernor(enabled=False))
    request = urllib.request.Request(f"{sandbox.url}/_sandbox/limits", method="POST",
                                     data=json.dumps({"enforce": False}).encode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["enforce"] is False
        outcomes = asyncio.run(burst(no_retries(ZegoHook, "zego_default"), USERS, 20))
    finally:
        sandbox.limits.enforce = True
    assert not [o for o in outcomes if isinstance(o, BaseException)]
    assert sandbox.limits.report()["over_limit_total"] >= 1
