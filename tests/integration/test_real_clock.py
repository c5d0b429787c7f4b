"""Promises the fast clocks elsewhere skip, proved once each on the real clock.

The fault matrix and the per-vendor tests fake time where it only saves time (``signing_clocks``,
``ticking_clock``, ``fast_sensor_backoff``, tiny poll intervals). Each promise those fakes stand in
for is shown here with real sleeps, against the loopback sandbox:

- a stale-timestamp answer is re-signed in a later whole second (all three vendors, ~1 s each);
- a deferred ``ZegoRoomStreamSensor`` never polls one room twice within ZEGO's 10 s
  (DescribeSimpleStreamList: 1 per 10 s per room, VENDOR_APIS.md §1), counting the sensor's own
  poke before it defers (~10 s);
- sensors back off 0.5 s (with full jitter, doubling) between the attempts of one poll (~1-2 s).

About 15 s in all. Time is only ever asserted from below (a sleep can overrun, never undercut).
"""

from __future__ import annotations

import base64
import json
import random
import zlib
from datetime import datetime

import pytest

from airflow_provider_rtc.operators.tencent import ResumeMcuOperator
from airflow_provider_rtc.operators.volcengine import StopSegmentOperator
from airflow_provider_rtc.operators.zego import StopMixOperator
from airflow_provider_rtc.ratelimit.governor import reset_process_governor
from airflow_provider_rtc.sensors.zego import ZegoRoomStreamSensor, ZegoRoomUsersSensor
from airflow_provider_rtc.triggers.rtc import RtcConditionTrigger
from tests.integration.bad_input import execute
from tests.integration.sensor_helpers import defer, later, run_trigger

pytestmark = pytest.mark.realclock


# -- re-sign in the next whole second -----------------------------------------------------------------


def _zego_second(record) -> int:
    return int(record.query["Timestamp"][0])


def _volcengine_second(record) -> int:
    return int(datetime.strptime(record.headers["x-date"], "%Y%m%dT%H%M%SZ").timestamp())


def _tencent_second(record) -> int:
    usersig = record.query["usersig"][0].replace("*", "+").replace("-", "/").replace("_", "=")
    return json.loads(zlib.decompress(base64.b64decode(usersig)))["TLS.time"]


STALE = {
    # vendor: (action, the stale-timestamp code, the call, the signed second of a recorded request)
    "zego": ("StopMix", 100000004, lambda: StopMixOperator(task_id="stop", mix_task_id="mix-1"), _zego_second),
    "volcengine": ("StopSegment", "InvalidTimestamp",
                   lambda: StopSegmentOperator(task_id="stop", room_id="room-1", segment_task_id="seg-1"),
                   _volcengine_second),
    "tencent": ("resume_mcu_task", 70001, lambda: ResumeMcuOperator(task_id="resume", room_id="room-1"),
                _tencent_second),
}


@pytest.mark.parametrize("vendor", sorted(STALE))
def test_a_stale_timestamp_is_re_signed_in_a_later_second(sandbox, connections, vendor):
    action, code, build, signed_second = STALE[vendor]
    if vendor == "tencent":
        sandbox.route("tencent").create_room("room-1", mix="paused")
    sandbox.inject(kind="vendor_code", vendor=vendor, action=action, code=code, count=1)
    execute(build())
    first, second = sandbox.received(action=action)
    assert (first.code, second.status) == (code, 200)
    # What the vendor receives: a different signed time, in a later whole second than the rejected one
    # (Volcengine's X-Date and Tencent's UserSig have one-second resolution and no nonce).
    assert signed_second(second) > signed_second(first), (signed_second(first), signed_second(second))
    assert int(second.at) > int(first.at)  # and the retry really left the second it was refused in
    if vendor == "zego":  # ZEGO's signature also has a nonce: fresh too
        assert first.query["SignatureNonce"] != second.query["SignatureNonce"]
        assert first.query["Signature"] != second.query["Signature"]


# -- ZEGO's 10 s per-room stream-list limit, at trigger level -----------------------------------------


def test_deferred_stream_sensor_polls_one_room_at_most_every_10_s(sandbox, connections):
    """Two polls: the sensor's own poke, then the trigger's. Even with a trigger asked to poll every
    0.1 s, the second poll waits out ZEGO's 10 s from the first."""
    zego = sandbox.route("zego")
    zego.set_users("show", 1)  # the room exists, nobody publishes yet
    sensor = ZegoRoomStreamSensor(task_id="live", room_id="show", deferrable=True, timeout=120)
    trigger, kwargs = defer(sensor)
    # The trigger runs on a triggerer, another process: its rate governor never saw the poke.
    reset_process_governor()
    eager = RtcConditionTrigger(**{**kwargs, "poll_interval": 0.1})  # below the floor on purpose
    later(0.5, zego.add_stream, "show", "host-cam")
    event = run_trigger(eager, timeout=60)
    assert event.payload["status"] == "done", event.payload
    first, second = sandbox.received(action="DescribeSimpleStreamList")
    assert second.at - first.at >= 10.0, second.at - first.at


# -- sensors' retry backoff: 0.5 s, doubling, full jitter ---------------------------------------------


def test_sensor_retries_back_off_from_half_a_second(sandbox, connections, monkeypatch):
    """One poke with 3 retries against a gateway that answers 503. The jitter comes from ``random``,
    seeded here, so each wait's lower bound is known: draw * 0.5 s * 2**n."""
    seed = 20261207
    draws = random.Random(seed)
    expected = [draws.random() * 0.5 * 2**n for n in range(3)]
    assert min(expected) > 0.3  # a seed whose waits are long enough to tell 0.5 s from a fast clock
    state = random.getstate()
    random.seed(seed)
    try:
        sandbox.inject(kind="http", status=503, vendor="zego", action="DescribeUserNum", count=1000)
        sensor = ZegoRoomUsersSensor(task_id="empty", room_id="show", request_retries=3, poke_interval=1,
                                     timeout=30)
        assert sensor.poke({}).is_done is False  # a transient failure never fails a sensor
    finally:
        random.setstate(state)
    arrivals = [r.at for r in sandbox.received(action="DescribeUserNum")]
    assert len(arrivals) == 4
    waits = [later_at - earlier for earlier, later_at in zip(arrivals, arrivals[1:], strict=False)]
    assert all(wait >= want for wait, want in zip(waits, expected, strict=True)), (waits, expected)
