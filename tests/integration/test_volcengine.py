"""Volcengine RTC operators and hook against the loopback sandbox, which verifies every signature
independently of the client's signer."""

from __future__ import annotations

import json
import logging
import socket
import time

import pytest

from airflow_provider_rtc.errors import (
    ErrorKind,
    RtcApiError,
    RtcAuthError,
    RtcClockSkewError,
    RtcNotFoundError,
    RtcValidationError,
)
from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook
from airflow_provider_rtc.operators.volcengine import StartSegmentOperator, StopSegmentOperator
from tests.conftest import FAST, set_connection, use_clock

CONN = "volcengine_rtc_default"


@pytest.fixture
def volc(sandbox, connections, credentials):
    """The sandbox's Volcengine routes, with the default connection pointing at them."""
    return sandbox.route("volcengine")


def volc_requests(sandbox, action=None):
    return sandbox.received(action=action, vendor="volcengine")


def start(**kwargs) -> StartSegmentOperator:
    return StartSegmentOperator(task_id="start_segment", **{"room_id": "room-1", "segment_task_id": "seg-1",
                                                            **FAST, **kwargs})


def stop(**kwargs) -> StopSegmentOperator:
    return StopSegmentOperator(task_id="stop_segment", **{"room_id": "room-1", "segment_task_id": "seg-1",
                                                          **FAST, **kwargs})


def connection_with(monkeypatch, connections, conn_id=CONN, **changes) -> dict:
    document = json.loads(json.dumps(connections[CONN]))
    extra = changes.pop("extra", None)
    document.update(changes)
    if extra is not None:
        document["extra"] = {**document["extra"], **extra}
    set_connection(monkeypatch, conn_id, document)
    return document


def scope_of(recorded) -> list[str]:
    credential = recorded.headers["authorization"].split("Credential=")[1].split(",")[0]
    return credential.split("/")


# -- the operators' requests and results ---------------------------------------------------------


def test_start_segment_request_and_result(volc, sandbox, credentials):
    result = start(
        business_id="biz-1", target_streams={"StreamList": [{"UserId": "host", "StreamType": 0}]}, duration="30",
        max_idle_time=60, storage_config={"Type": 0}, control={"Align": True}, identifier="show-42", handle=True,
        extra_body={"FutureField": "x"},
    ).execute(context={})
    (recorded,) = volc_requests(sandbox)
    app_id = credentials["volcengine"]["app_id"]
    assert recorded.method == "POST" and recorded.path == "/"
    assert recorded.query == {"Action": ["StartSegment"], "Version": ["2020-12-01"]}
    assert json.loads(recorded.body) == {
        "AppId": app_id, "BusinessId": "biz-1", "RoomId": "room-1", "TaskId": "seg-1",
        "TargetStreams": {"StreamList": [{"UserId": "host", "StreamType": 0}]}, "Duration": 30, "MaxIdleTime": 60,
        "StorageConfig": {"Type": 0}, "Control": {"Align": True}, "Identifier": "show-42", "Handle": True,
        "FutureField": "x",
    }
    ak, _date, region, service, terminator = scope_of(recorded)
    assert (ak, region, service, terminator) == (credentials["volcengine"]["access_key_id"], "cn-north-1", "rtc",
                                                 "request")
    assert "SignedHeaders=content-type;host;x-content-sha256;x-date," in recorded.headers["authorization"]
    assert recorded.status == 200 and recorded.code == "ok"
    assert result == {"request_id": result["request_id"], "data": "ok", "already_running": False}
    assert result["request_id"]
    (task,) = volc.snapshot()["segment_tasks"]
    assert (task["RoomId"], task["TaskId"], task["Status"], task["MaxIdleTime"]) == ("room-1", "seg-1", 2, 60)


def test_explicit_app_id_wins(volc, sandbox):
    with pytest.raises(RtcApiError) as caught:
        start(app_id="another-app").execute(context={})
    assert caught.value.code == "InvalidParameter.NotExistAppId" and caught.value.kind is ErrorKind.INVALID
    assert json.loads(volc_requests(sandbox)[0].body)["AppId"] == "another-app"
    assert len(volc_requests(sandbox)) == 1


def test_start_twice_is_already_running(volc, sandbox):
    assert start().execute(context={})["already_running"] is False
    again = start().execute(context={})
    assert again["already_running"] is True and again["data"] is None and again["request_id"]
    assert len(volc_requests(sandbox, "StartSegment")) == 2
    with pytest.raises(RtcApiError) as caught:
        start(fail_if_already_running=True).execute(context={})
    assert caught.value.kind is ErrorKind.ALREADY_EXISTS
    assert "InvalidParameter.TaskAlreadyExists" in str(caught.value)
    assert len(volc_requests(sandbox, "StartSegment")) == 3


def test_start_after_the_task_ended_starts_again(volc):
    start().execute(context={})
    volc.end_segment("room-1", "seg-1")
    assert start().execute(context={})["already_running"] is False


def test_stop_segment_request_and_result(volc, sandbox, credentials):
    start().execute(context={})
    result = stop(business_id="biz-1").execute(context={})
    recorded = volc_requests(sandbox, "StopSegment")[0]
    assert recorded.query == {"Action": ["StopSegment"], "Version": ["2020-12-01"]}
    assert json.loads(recorded.body) == {"AppId": credentials["volcengine"]["app_id"], "BusinessId": "biz-1",
                                         "RoomId": "room-1", "TaskId": "seg-1"}
    assert result == {"request_id": result["request_id"], "data": "ok", "already_stopped": False}
    hook = VolcengineRtcHook()
    task = hook.call_api("GetSegmentTask", "2022-06-01", method="GET",
                         query={"AppId": credentials["volcengine"]["app_id"], "RoomId": "room-1",
                                "TaskId": "seg-1"}).data["SegmentTask"]
    assert (task["Status"], task["StopReason"]) == (3, "StopByAPI") and task["EndTime"] >= task["StartTime"] > 0


def test_stop_unknown_or_ended_is_already_stopped(volc, sandbox):
    result = stop(segment_task_id="never-started").execute(context={})
    assert result["already_stopped"] is True and result["data"] is None and result["request_id"]
    start().execute(context={})
    volc.end_segment("room-1", "seg-1", stop_reason="IdleTimeOut")
    assert stop().execute(context={})["already_stopped"] is True
    assert len(volc_requests(sandbox, "StopSegment")) == 2


def test_stop_fail_if_not_found(volc, sandbox):
    with pytest.raises(RtcNotFoundError) as caught:
        stop(fail_if_not_found=True).execute(context={})
    assert caught.value.code == "InvalidParameter.ErrorActiveTaskNotFound"
    assert len(volc_requests(sandbox)) == 1


# -- retries, re-signing and failures ------------------------------------------------------------


@pytest.fixture
def ticking_clock(monkeypatch):
    """Sign each attempt one second later, so a fresh signature shows even within one real second."""
    base = time.time()
    ticks = iter(range(1000))
    use_clock(monkeypatch, lambda: base + next(ticks))


def test_429_then_success_is_resigned(volc, sandbox, ticking_clock):
    sandbox.inject(kind="http", status=429, vendor="volcengine", action="StartSegment")
    assert start().execute(context={})["already_running"] is False
    first, second = volc_requests(sandbox)
    assert (first.status, first.fault, second.status) == (429, "http", 200)
    assert first.headers["x-date"] != second.headers["x-date"]
    assert first.headers["authorization"] != second.headers["authorization"]
    assert first.body == second.body


def test_qps_over_limit_then_success(volc, sandbox):
    sandbox.inject(kind="vendor_code", code="FlowLimitExceeded.QPSOverLimit", vendor="volcengine")
    assert stop().execute(context={})["already_stopped"] is True
    first, second = volc_requests(sandbox)
    assert (first.status, first.code) == (200, "FlowLimitExceeded.QPSOverLimit")
    assert second.code == "InvalidParameter.ErrorActiveTaskNotFound"


def test_unreadable_answer_then_success(volc, sandbox):
    sandbox.inject(kind="html", vendor="volcengine", action="StopSegment")
    sandbox.inject(kind="malformed_json", vendor="volcengine", action="StopSegment")
    start().execute(context={})
    assert stop().execute(context={})["already_stopped"] is False
    assert [r.fault for r in volc_requests(sandbox, "StopSegment")] == ["html", "malformed_json", None]


def test_retries_are_bounded(volc, sandbox):
    sandbox.inject(kind="http", status=503, vendor="volcengine", count=10)
    with pytest.raises(RtcApiError) as caught:
        start(request_retries=2).execute(context={})
    assert caught.value.http_status == 503 and caught.value.attempts == 3
    assert len(volc_requests(sandbox)) == 3


def test_wrong_secret_is_not_retried(volc, sandbox, monkeypatch, connections):
    connection_with(monkeypatch, connections, password="not-the-secret-access-key")
    with pytest.raises(RtcAuthError) as caught:
        start().execute(context={})
    assert "SignatureDoesNotMatch" in str(caught.value) and caught.value.http_status == 401
    (recorded,) = volc_requests(sandbox)
    assert (recorded.status, recorded.code) == (401, "SignatureDoesNotMatch")


def test_unknown_access_key(volc, sandbox, monkeypatch, connections):
    connection_with(monkeypatch, connections, login="AKLTnobody")
    with pytest.raises(RtcAuthError) as caught:
        stop().execute(context={})
    assert caught.value.code == "InvalidAccessKey" and len(volc_requests(sandbox)) == 1


@pytest.mark.parametrize("code", ["AccessDenied", "LackPolicy", 100003])
def test_injected_auth_codes_are_final(volc, sandbox, code):
    sandbox.inject(kind="vendor_code", code=code, vendor="volcengine")
    with pytest.raises(RtcAuthError) as caught:
        start().execute(context={})
    assert caught.value.http_status in (401, 403) and len(volc_requests(sandbox)) == 1


def test_invalid_timestamp_twice_blames_the_clock(volc, sandbox):
    sandbox.inject(kind="vendor_code", code="InvalidTimestamp", vendor="volcengine", count=2)
    with pytest.raises(RtcClockSkewError) as caught:
        start().execute(context={})
    assert "clock" in str(caught.value) and "InvalidTimestamp" in str(caught.value)
    assert caught.value.attempts == 2 and len(volc_requests(sandbox)) == 2


def test_invalid_timestamp_once_is_resigned(volc, sandbox, ticking_clock):
    sandbox.inject(kind="vendor_code", code="InvalidTimestamp", vendor="volcengine")
    assert start().execute(context={})["already_running"] is False
    first, second = volc_requests(sandbox)
    assert (first.status, first.code) == (400, "InvalidTimestamp")
    assert first.headers["x-date"] != second.headers["x-date"]


def test_skewed_worker_clock(volc, sandbox, monkeypatch):
    use_clock(monkeypatch, lambda: time.time() - 20 * 60)
    with pytest.raises(RtcClockSkewError) as caught:
        stop().execute(context={})
    assert "clock" in str(caught.value)
    assert [r.code for r in volc_requests(sandbox)] == ["InvalidTimestamp", "InvalidTimestamp"]


# -- validation before any request ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "kwargs", "argument"),
    [
        (start, {"room_id": "room 1"}, "room_id"),
        (start, {"segment_task_id": "t" * 129}, "segment_task_id"),
        (start, {"business_id": "a/b"}, "business_id"),
        (start, {"app_id": "app#1"}, "app_id"),
        (start, {"max_idle_time": 0}, "max_idle_time"),
        (start, {"max_idle_time": 86401}, "max_idle_time"),
        (start, {"duration": 601}, "duration"),
        (start, {"identifier": "name with spaces"}, "identifier"),
        (start, {"extra_body": {"RoomId": "sneaky"}}, "extra_body"),
        (stop, {"room_id": ""}, "room_id"),
        (stop, {"segment_task_id": "ü"}, "segment_task_id"),
    ],
)
def test_invalid_arguments_send_nothing(volc, sandbox, operator, kwargs, argument):
    with pytest.raises(RtcValidationError) as caught:
        operator(**kwargs).execute(context={})
    assert caught.value.field.startswith(argument)
    assert volc_requests(sandbox) == []


def test_invalid_arguments_fail_before_the_connection_is_read(sandbox):
    # The connection does not exist: the id error must come first, not a connection error.
    with pytest.raises(RtcValidationError) as caught:
        start(room_id="bad room", volcengine_rtc_conn_id="no_such_connection").execute(context={})
    assert caught.value.field.startswith("room_id") and sandbox.received() == []


def test_missing_app_id_sends_nothing(volc, sandbox, monkeypatch, connections):
    document = json.loads(json.dumps(connections[CONN]))
    document["extra"].pop("app_id")
    set_connection(monkeypatch, CONN, document)
    with pytest.raises(RtcValidationError) as caught:
        start().execute(context={})
    assert caught.value.field == "app_id" and CONN in str(caught.value)
    assert volc_requests(sandbox) == []


# -- STS, BytePlus, the generic call, test_connection ----------------------------------------------


def test_session_token_is_sent_and_signed(volc, sandbox, monkeypatch, connections):
    volc.add_session_token("sts-session-token-123")
    with pytest.raises(RtcAuthError):  # the AK is now STS-only: no token, no entry
        start().execute(context={})
    connection_with(monkeypatch, connections, extra={"session_token": "sts-session-token-123"})
    assert start().execute(context={})["already_running"] is False
    recorded = volc_requests(sandbox)[-1]
    assert recorded.headers["x-security-token"] == "sts-session-token-123"
    assert "SignedHeaders=content-type;host;x-content-sha256;x-date;x-security-token," in \
        recorded.headers["authorization"]


def test_byteplus_region_and_version(volc, sandbox, monkeypatch, connections, credentials):
    volc.configure(flavour="byteplus")
    with pytest.raises(RtcAuthError) as caught:  # a cn-north-1 scope is refused by "BytePlus"
        start().execute(context={})
    assert caught.value.code == "SignatureDoesNotMatch"
    connection_with(monkeypatch, connections, extra={"region": "ap-singapore-1"})
    assert start(api_version="2022-06-01").execute(context={})["already_running"] is False
    assert stop(api_version="2022-06-01").execute(context={})["already_stopped"] is False
    recorded = volc_requests(sandbox)[-1]
    assert recorded.query["Version"] == ["2022-06-01"]
    assert scope_of(recorded)[2:] == ["ap-singapore-1", "rtc", "request"]
    volc.set_room_users("room-1", count=3)
    users = VolcengineRtcHook().call_api("GetRoomOnlineUsers", "2023-11-01", method="GET",
                                         query={"AppId": credentials["volcengine"]["app_id"], "RoomId": "room-1"})
    assert users.data["RoomExist"] is True and users.data["TotalUser"] == 3


def test_generic_get_with_escaped_query(volc, sandbox, credentials):
    hook = VolcengineRtcHook(backoff_base=0.01)
    app_id = credentials["volcengine"]["app_id"]
    assert hook.call_api("GetRoomOnlineUsers", "2023-11-01", method="GET",
                         query={"AppId": app_id, "RoomId": "nobody-here"}).data == {"RoomExists": False}
    # Characters that need escaping reach the verifier intact; the action is unknown afterwards.
    with pytest.raises(RtcApiError) as caught:
        hook.call_api("DescribeSomething", "2099-01-01", method="GET",
                      query={"Text": "a b+c*~/é", "List": ["x", "y"]})
    assert caught.value.code == "InvalidActionOrVersion" and caught.value.http_status == 404
    recorded = volc_requests(sandbox)[-1]
    assert recorded.query["Text"] == ["a b+c*~/é"] and recorded.method == "GET" and recorded.body == ""


def test_newer_versions_report_business_errors_with_http_status(volc, sandbox):
    with pytest.raises(RtcApiError) as caught:
        VolcengineRtcHook().call_api("GetRoomOnlineUsers", "2023-11-01", method="GET",
                                     query={"AppId": "unknown-app", "RoomId": "r"})
    assert caught.value.code == "InvalidParameter.NotExistAppId" and caught.value.http_status == 400
    assert caught.value.kind is ErrorKind.INVALID and len(volc_requests(sandbox)) == 1


def test_test_connection(volc, monkeypatch, connections):
    ok, message = VolcengineRtcHook().test_connection()
    assert ok, message
    connection_with(monkeypatch, connections, conn_id="volc_bad_secret", password="wrong-secret")
    ok, message = VolcengineRtcHook("volc_bad_secret").test_connection()
    assert not ok and message.startswith("Credentials rejected") and "SignatureDoesNotMatch" in message
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    connection_with(monkeypatch, connections, conn_id="volc_nowhere", host=f"http://127.0.0.1:{closed_port}")
    ok, message = VolcengineRtcHook("volc_nowhere").test_connection()
    assert not ok and message == "Volcengine not reachable: connection refused or unreachable"
    connection_with(monkeypatch, connections, conn_id="volc_empty_secret", password="")
    ok, message = VolcengineRtcHook("volc_empty_secret").test_connection()
    assert not ok and "SecretAccessKey" in message


def test_control_api_over_http(volc, sandbox):
    import requests

    start().execute(context={})
    reply = requests.post(f"{sandbox.url}/_sandbox/state/volcengine", timeout=5,
                          json={"command": "fail_segment", "room_id": "room-1", "task_id": "seg-1"})
    assert reply.json() == {"ok": True, "result": None}
    state = requests.get(f"{sandbox.url}/_sandbox/state", timeout=5).json()["volcengine"]
    assert state["segment_tasks"][0]["Status"] == 4
    reply = requests.post(f"{sandbox.url}/_sandbox/state/volcengine", timeout=5,
                          json={"command": "end_segment", "room_id": "room-1", "task_id": "nope"})
    assert reply.status_code == 400


# -- secrets -------------------------------------------------------------------------------------


def test_secrets_never_leak(volc, sandbox, monkeypatch, connections, credentials, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    secret = credentials["volcengine"]["secret_access_key"]
    volc.add_session_token("sts-secret-token-xyz")
    connection_with(monkeypatch, connections, extra={"session_token": "sts-secret-token-xyz"})
    sandbox.inject(kind="http", status=500, vendor="volcengine", action="StartSegment")
    outputs = [start().execute(context={}), start().execute(context={})]
    errors = []
    connection_with(monkeypatch, connections, password="wrong-secret-value")
    for operator in (start(), stop(fail_if_not_found=True)):
        with pytest.raises(RtcApiError) as caught:
            operator.execute(context={})
        errors.append(caught.value)
    authorizations = [r.headers["authorization"] for r in volc_requests(sandbox)]
    assert len(authorizations) == 5
    forbidden = {secret, "sts-secret-token-xyz", "wrong-secret-value"}
    for authorization in authorizations:
        forbidden |= {authorization, authorization.rpartition("Signature=")[2]}
    captured = capsys.readouterr()
    # Not vacuous: the retry warning and urllib3's request lines were captured.
    assert "attempt 1 failed" in caplog.text + captured.out + captured.err
    texts = [json.dumps(outputs), *(str(e) for e in errors), *(repr(e) for e in errors), caplog.text,
             captured.out, captured.err]
    for text in texts:
        for value in forbidden:
            assert value not in text
