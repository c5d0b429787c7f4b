"""A vendor answer whose ``Data`` / ``Result`` has the wrong shape (e.g. ZEGO's ``StreamList`` as
text) makes a sensor's condition raise the interpreter's unreadable-answer error, a typed
RtcTransportError naming the field, instead of an AttributeError / TypeError from deep inside.

The answers come over loopback HTTP from the sandbox's ``envelope`` fault: a well-formed success
envelope (so the interpreter accepts it) whose data part is mangled.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from airflow_provider_rtc import conditions
from airflow_provider_rtc.errors import RtcTransportError

EVERY = 1000
VOLC_APP = "sandbox-volc-app"
CONN = {"zego": "zego_default", "volcengine": "volcengine_rtc_default", "tencent": "tencent_live_default"}


def _zego(data: Any) -> dict:
    return {"Code": 0, "Message": "success", "RequestId": "rid", "Data": data}


def _volc(result: Any) -> dict:
    return {"ResponseMetadata": {"RequestId": "vrid"}, "Result": result}


def _tencent(response: Any) -> dict:
    return {"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "RequestId": "trid", "Response": response}


# (id, condition, document, the field the error names)
CASES = [
    ("zego-StreamList-text", {"kind": "zego_room_streams", "room_id": "show"}, _zego({"StreamList": "a,b"}),
     "StreamList"),
    ("zego-StreamList-of-text", {"kind": "zego_room_streams", "room_id": "show"}, _zego({"StreamList": ["a"]}),
     "StreamList[0]"),
    ("zego-Data-a-list", {"kind": "zego_room_streams", "room_id": "show"}, _zego([{"StreamId": "a"}]), "StreamList"),
    ("zego-UserCount-word", {"kind": "zego_room_users", "room_id": "show"},
     _zego({"UserCountList": [{"RoomId": "show", "UserCount": "many"}]}), "UserCount"),
    ("zego-UserCountList-object", {"kind": "zego_room_users", "room_id": "show"},
     _zego({"UserCountList": {"RoomId": "show"}}), "UserCountList"),
    ("zego-TaskInfo-text", {"kind": "zego_mix_task", "mix_task_id": "mix-1"}, _zego({"TaskInfo": "running"}),
     "TaskInfo"),
    ("zego-stream-Code-list", {"kind": "zego_stream_state", "stream_id": "cam"}, _zego({"Code": [41004]}), "Code"),
    ("zego-stream-Data-text", {"kind": "zego_stream_state", "stream_id": "cam"}, _zego("live"), "Data"),
    ("zego-UserStatusList-text", {"kind": "zego_users_present", "room_id": "show", "user_ids": ["u1"]},
     _zego({"UserStatusList": "u1"}), "UserStatusList"),
    ("zego-Status-object", {"kind": "zego_users_present", "room_id": "show", "user_ids": ["u1"]},
     _zego({"UserStatusList": [{"UserId": "u1", "Status": {"on": 1}}]}), "Status"),
    ("volcengine-SegmentTask-list", {"kind": "volcengine_segment_task", "app_id": VOLC_APP, "room_id": "r",
                                     "segment_task_id": "seg"}, _volc({"SegmentTask": [1]}), "SegmentTask"),
    ("volcengine-Status-text", {"kind": "volcengine_record_task", "app_id": VOLC_APP, "room_id": "r",
                                "record_task_id": "rec"}, _volc({"RecordTask": {"Status": "3"}}), "Status"),
    ("volcengine-TotalUser-word", {"kind": "volcengine_room_users", "app_id": VOLC_APP, "room_id": "r"},
     _volc({"RoomExists": True, "TotalUser": "lots"}), "TotalUser"),
    ("volcengine-Result-text", {"kind": "volcengine_room_users", "app_id": VOLC_APP, "room_id": "r"},
     _volc("busy"), "Result"),
    ("tencent-RoomInfo-text", {"kind": "tencent_room", "room_id": "r"}, _tencent({"RoomInfo": "r"}), "RoomInfo"),
]
PARAMS = [pytest.param(condition, document, field, id=case_id) for case_id, condition, document, field in CASES]


def _inject(sandbox, condition: conditions.Condition, document: dict) -> None:
    sandbox.inject(kind="envelope", vendor=condition.vendor, action=condition.action, status=200,
                   document=document, count=EVERY)


@pytest.mark.parametrize(("spec", "document", "field"), PARAMS)
def test_a_wrong_shape_is_an_unreadable_answer_not_a_crash(sandbox, connections, spec, document, field):
    condition = conditions.from_dict(spec)
    _inject(sandbox, condition, document)
    with pytest.raises(RtcTransportError) as raised:
        conditions.check_once(condition, CONN[condition.vendor], max_retries=0)
    error = raised.value
    assert "unreadable answer" in str(error) and field in str(error), str(error)
    assert error.action == condition.action and error.retryable  # a poller waits it out, as for any unreadable answer
    assert len(sandbox.received(action=condition.action)) == 1


@pytest.mark.parametrize(("spec", "document", "field"), PARAMS[:1] + PARAMS[-1:])
def test_the_triggers_poll_raises_the_same_error(sandbox, connections, spec, document, field):
    condition = conditions.from_dict(spec)
    _inject(sandbox, condition, document)

    async def poll_once():
        hook = await conditions.hook_class(condition).for_trigger(CONN[condition.vendor], max_retries=0)
        async with hook.async_client() as client:
            return await conditions.check_once_async(condition, hook, client)

    with pytest.raises(RtcTransportError, match=field.replace("[", r"\[").replace("]", r"\]")):
        asyncio.run(asyncio.wait_for(poll_once(), 30))


def test_a_sensor_poke_waits_out_a_wrong_shape_and_then_reads_the_real_answer(sandbox, connections):
    """Through the sensor: the mangled answer is a transient error (poke says not done), and once the
    vendor answers properly the sensor reads it."""
    from airflow_provider_rtc.sensors.zego import ZegoRoomStreamSensor

    sandbox.route("zego").add_stream("show", "cam")
    sandbox.inject(kind="envelope", vendor="zego", action="DescribeSimpleStreamList", status=200,
                   document=_zego({"StreamList": "cam"}), count=1)
    sensor = ZegoRoomStreamSensor(task_id="live", room_id="show", request_retries=0)
    assert sensor.poke({}).is_done is False
    result = sensor.poke({})
    assert result.is_done and result.xcom_value["stream_ids"] == ["cam"]
