"""ZEGO operators and hook against the loopback sandbox: real HTTP, real signatures, real retries."""

from __future__ import annotations

import json
import logging
import re

import pytest

from airflow_provider_rtc.errors import (
    RtcApiError,
    RtcAuthError,
    RtcClockSkewError,
    RtcConfigError,
    RtcNotFoundError,
    RtcValidationError,
)
from airflow_provider_rtc.hooks.zego import ZegoHook
from airflow_provider_rtc.operators.zego import (
    StartASROperator,
    StartAutoMixOperator,
    StopASROperator,
    StopAutoMixOperator,
    StopMixOperator,
)
from tests.conftest import FAST, set_connection


def start_mix(**kwargs):
    args = dict(task_id="start_mix", room_id="room-1", mix_task_id="mix-1", user_id="host",
                mix_output=[{"StreamId": "mixed-1"}], **FAST)
    args.update(kwargs)
    return StartAutoMixOperator(**args).execute(context={})


def test_start_auto_mix_sends_the_documented_request_and_returns_json_xcom(sandbox, connections):
    result = start_mix(extra_mix_input=[{"StreamId": "guest", "Volume": 150}], sequence=1, sound_level=0)
    assert result["request_id"].startswith("sandbox-zego-")
    assert result["data"]["RoomId"] == "room-1"
    assert result["data"]["PlayInfo"][0]["StreamId"] == "mixed-1"
    json.dumps(result)  # plain JSON for XCom
    [request] = sandbox.received("StartAutoMix")
    assert request.method == "POST"
    assert json.loads(request.body) == {
        "TaskId": "mix-1", "UserId": "host", "RoomId": "room-1", "MixOutput": [{"StreamId": "mixed-1"}],
        "ExtraMixInput": [{"StreamId": "guest", "Volume": 150}], "Sequence": 1, "SoundLevel": 0,
    }
    assert request.headers["content-type"] == "application/json"
    assert request.query["SignatureVersion"] == ["2.0"] and "IsTest" not in request.query
    assert sandbox.route("zego").snapshot()["mix_tasks"] == ["mix-1"]


def test_is_test_is_sent_only_when_enabled_and_only_to_rtc(sandbox, connections, monkeypatch):
    document = dict(connections["zego_default"], extra={**connections["zego_default"]["extra"], "is_test": True})
    set_connection(monkeypatch, "zego_default", document)
    start_mix()
    StartASROperator(task_id="asr", room_id="room-1").execute(context={})
    assert sandbox.received("StartAutoMix")[0].query["IsTest"] == ["true"]
    assert "IsTest" not in sandbox.received("StartRealtimeASRTask")[0].query


def test_stop_mix_then_stop_again_is_idempotent(sandbox, connections):
    start_mix()
    first = StopMixOperator(task_id="stop", mix_task_id="mix-1", **FAST).execute(context={})
    assert first["already_stopped"] is False and first["request_id"]
    second = StopMixOperator(task_id="stop", mix_task_id="mix-1", **FAST).execute(context={})
    assert second == {"request_id": second["request_id"], "data": None, "already_stopped": True}
    assert len(sandbox.received("StopMix")) == 2  # a not-found answer is final: no retry


def test_fail_if_not_found_makes_a_missing_task_fail(sandbox, connections):
    with pytest.raises(RtcNotFoundError) as info:
        StopMixOperator(task_id="stop", mix_task_id="ghost", fail_if_not_found=True).execute(context={})
    assert info.value.code == 110209001


def test_stop_auto_mix_needs_the_matching_room(sandbox, connections):
    start_mix()
    result = StopAutoMixOperator(task_id="stop", mix_task_id="mix-1", room_id="room-1").execute(context={})
    assert result["already_stopped"] is False
    assert json.loads(sandbox.received("StopAutoMix")[0].body) == {"TaskId": "mix-1", "RoomId": "room-1"}
    assert sandbox.route("zego").snapshot()["mix_tasks"] == []


def test_asr_start_and_stop_on_the_asr_host(sandbox, connections):
    started = StartASROperator(task_id="asr", room_id="room-1", hot_words="airflow|5",
                               engine_model_type="16k_en", vad_silence_segmentation=800).execute(context={})
    asr_task_id = started["data"]["TaskId"]
    assert json.loads(sandbox.received("StartRealtimeASRTask")[0].body) == {
        "RoomId": "room-1", "ASR": {"HotWord": "airflow|5", "Params": {"engine_model_type": "16k_en"},
                                     "VADSilenceSegmentation": 800}}
    stopped = StopASROperator(task_id="stop_asr", asr_task_id=asr_task_id).execute(context={})
    assert stopped["already_stopped"] is False
    again = StopASROperator(task_id="stop_asr", asr_task_id=asr_task_id).execute(context={})
    assert again["already_stopped"] is True


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "http", "status": 500},
        {"kind": "http", "status": 502},
        {"kind": "http", "status": 503},
        {"kind": "http", "status": 429},
        {"kind": "vendor_code", "code": 110200194},
        {"kind": "vendor_code", "code": 110200005},
        {"kind": "drop"},
        {"kind": "malformed_json"},
        {"kind": "html"},
        {"kind": "empty"},
    ],
)
def test_retryable_faults_are_retried_with_a_fresh_nonce_and_signature(sandbox, connections, fault):
    sandbox.inject(action="StartAutoMix", count=2, **fault)
    result = start_mix()
    assert result["data"]["RoomId"] == "room-1"
    attempts = sandbox.received("StartAutoMix")
    assert len(attempts) == 3
    assert len({a.query["SignatureNonce"][0] for a in attempts}) == 3
    assert len({a.query["Signature"][0] for a in attempts}) == 3


def test_retries_are_bounded(sandbox, connections):
    sandbox.inject(kind="http", status=503, count=10, action="StopMix")
    with pytest.raises(RtcApiError) as info:
        StopMixOperator(task_id="stop", mix_task_id="m", request_retries=2, **FAST).execute(context={})
    assert info.value.http_status == 503 and info.value.attempts == 3
    assert len(sandbox.received("StopMix")) == 3


def test_read_timeout_is_retried_for_idempotent_calls(sandbox, connections):
    sandbox.inject(kind="slow", delay=1.0, action="StartAutoMix")
    result = start_mix(request_timeout=0.3)
    assert result["data"]["RoomId"] == "room-1"
    assert len(sandbox.received("StartAutoMix")) == 2


def test_asr_start_is_not_repeated_when_the_first_attempt_may_have_started_a_task(sandbox, connections):
    sandbox.inject(kind="drop", action="StartRealtimeASRTask", after_processing=True)
    with pytest.raises(RtcApiError, match="not idempotent"):
        StartASROperator(task_id="asr", room_id="room-1", **FAST).execute(context={})
    assert len(sandbox.received("StartRealtimeASRTask")) == 1
    assert len(sandbox.route("zego").snapshot()["asr_tasks"]) == 1  # exactly one task, no duplicate


def test_asr_start_is_retried_when_the_vendor_refused_before_doing_anything(sandbox, connections):
    sandbox.inject(kind="http", status=503, action="StartRealtimeASRTask")
    sandbox.inject(kind="vendor_code", code=410000011, action="StartRealtimeASRTask")
    StartASROperator(task_id="asr", room_id="room-1", **FAST).execute(context={})
    assert len(sandbox.received("StartRealtimeASRTask")) == 3
    assert len(sandbox.route("zego").snapshot()["asr_tasks"]) == 1


def test_wrong_secret_fails_at_once_without_retry(sandbox, connections, monkeypatch):
    set_connection(monkeypatch, "zego_default", dict(connections["zego_default"], password="wrong-secret-000000"))
    with pytest.raises(RtcAuthError) as info:
        start_mix()
    assert info.value.code == 100000005 and info.value.attempts == 1
    assert len(sandbox.received("StartAutoMix")) == 1


def test_expired_timestamp_is_resigned_once(sandbox, connections):
    sandbox.inject(kind="vendor_code", code=100000004, action="StopMix")
    StopMixOperator(task_id="stop", mix_task_id="m", **FAST).execute(context={})
    attempts = sandbox.received("StopMix")
    assert len(attempts) == 2 and attempts[0].query["Signature"] != attempts[1].query["Signature"]


def test_expired_timestamp_twice_blames_the_clock(sandbox, connections):
    sandbox.inject(kind="vendor_code", code=100000004, count=5, action="StopMix")
    with pytest.raises(RtcClockSkewError, match="check the worker's clock"):
        StopMixOperator(task_id="stop", mix_task_id="m", **FAST).execute(context={})
    assert len(sandbox.received("StopMix")) == 2


def test_connection_refused_is_retried_then_reported(monkeypatch, connections):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    set_connection(monkeypatch, "zego_default", dict(connections["zego_default"], host=f"http://127.0.0.1:{port}"))
    with pytest.raises(RtcApiError, match="connection refused") as info:
        StopMixOperator(task_id="stop", mix_task_id="m", request_retries=1, **FAST).execute(context={})
    assert info.value.attempts == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"mix_output": []}, "mix_output"),
        ({"recv_buffer_level": 5000}, "recv_buffer_level"),
        ({"extra_mix_input": [{"StreamId": "x", "Volume": 300}]}, "extra_mix_input"),
        ({"user_data": "%%%"}, "user_data"),
        ({"extra_body": {"RoomId": "other"}}, "extra_body"),
    ],
)
def test_invalid_input_sends_nothing(sandbox, connections, kwargs, field):
    with pytest.raises(RtcValidationError) as info:
        start_mix(**kwargs)
    assert info.value.field.startswith(field)
    assert sandbox.received() == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"login": "not-a-number"}, "AppId"),
        ({"login": ""}, "AppId"),
        ({"password": ""}, "ServerSecret"),
        ({"host": "http://rtc-api.zego.im"}, "loopback"),
        ({"host": None, "extra": {"region": "mars"}}, "unknown region"),
        ({"extra": {"timeout": "soon"}}, "timeout"),
    ],
)
def test_bad_connection_contents_fail_before_anything_is_sent(sandbox, connections, monkeypatch, changes, message):
    set_connection(monkeypatch, "zego_default", {**connections["zego_default"], **changes})
    with pytest.raises(RtcConfigError, match=message):
        StopMixOperator(task_id="stop", mix_task_id="m").execute(context={})
    assert sandbox.received() == []


def test_region_selects_the_regional_host(monkeypatch, connections):
    set_connection(monkeypatch, "zego_default", {**connections["zego_default"], "host": None,
                                                 "extra": {"region": "sgp"}})
    assert ZegoHook().config.rtc_url == "https://rtc-api-sgp.zego.im"


def test_generic_call_reaches_actions_without_an_operator(sandbox, connections):
    sandbox.route("zego").set_users("room-9", 4)
    result = ZegoHook().call_action("DescribeUserNum", method="GET", query={"RoomId[]": ["room-9", "room-8"]})
    assert result.data["UserCountList"] == [
        {"RoomId": "room-9", "UserCount": 4, "AdminUserCount": 0},
        {"RoomId": "room-8", "UserCount": 0, "AdminUserCount": 0},
    ]


def test_test_connection_tells_bad_credentials_from_a_good_setup(sandbox, connections, monkeypatch):
    assert ZegoHook().test_connection() == (True, "ZEGO reachable and the signature was accepted")
    set_connection(monkeypatch, "zego_default", dict(connections["zego_default"], password="wrong-secret-000000"))
    ok, message = ZegoHook().test_connection()
    assert not ok and message.startswith("Credentials rejected") and "100000005" in message


def test_secrets_and_signatures_never_reach_logs_xcom_or_errors(sandbox, connections, caplog, capsys, monkeypatch):
    caplog.set_level(logging.DEBUG)
    secret = connections["zego_default"]["password"]
    results = [start_mix(), StopMixOperator(task_id="s", mix_task_id="mix-1", **FAST).execute(context={})]
    sandbox.inject(kind="http", status=502, action="StopMix")
    results.append(StopMixOperator(task_id="s", mix_task_id="mix-1", **FAST).execute(context={}))
    set_connection(monkeypatch, "zego_default", dict(connections["zego_default"], password="another-wrong-secret"))
    with pytest.raises(RtcAuthError) as info:
        StopMixOperator(task_id="s", mix_task_id="mix-1").execute(context={})
    signatures = [r.query["Signature"][0] for r in sandbox.received()]
    captured = capsys.readouterr()
    haystack = "\n".join([caplog.text, captured.out, captured.err, json.dumps(results), str(info.value),
                          repr(info.value)])
    assert "retrying" in haystack  # the logs were really captured
    for needle in [secret, "another-wrong-secret", *signatures]:
        assert needle not in haystack
    assert not re.search(r"Signature=[0-9a-f]{32}", haystack)
    assert "Signature=***" in haystack  # urllib3's request line was captured, and redacted
