"""Tencent live engine hook and operators against the loopback sandbox."""

from __future__ import annotations

import json
import logging
import re
import socket
import time

import pytest
import requests

from airflow_provider_rtc.errors import (
    ErrorKind,
    RtcApiError,
    RtcAuthError,
    RtcClockSkewError,
    RtcNotFoundError,
    RtcValidationError,
)
from airflow_provider_rtc.hooks.tencent import TencentLiveHook
from airflow_provider_rtc.operators.tencent import ResumeMcuOperator, SetMixStreamOperator
from airflow_provider_rtc.signing.tencent import decode_usersig, verify_usersig
from tests.conftest import FAST, set_connection

PATH = "/v4/live_engine_http_srv/"


@pytest.fixture
def tencent(sandbox, connections):
    return sandbox.route("tencent")


@pytest.fixture
def creds(credentials):
    return credentials["tencent"]


def usersig_of(record) -> str:
    return record.query["usersig"][0]


def assert_signed(record, creds):
    assert record.query["sdkappid"] == [str(creds["sdkappid"])]
    assert record.query["identifier"] == [creds["identifier"]]
    assert record.query["contenttype"] == ["json"]
    assert 0 <= int(record.query["random"][0]) < 2**32
    verify_usersig(usersig_of(record), sdkappid=creds["sdkappid"], key=creds["key"], identifier=creds["identifier"])


def resume(room_id="show-1", **kwargs) -> ResumeMcuOperator:
    return ResumeMcuOperator(task_id="resume_mix", room_id=room_id, **{**FAST, **kwargs})


# -- happy paths -------------------------------------------------------------------------------------


def test_resume_after_pause(sandbox, tencent, creds):
    tencent.create_room("show-1")
    tencent.pause_mix("show-1")

    xcom = resume().execute(context={})

    assert set(xcom) == {"request_id", "data"}
    assert xcom["data"] is None and xcom["request_id"].startswith("Id-")
    [record] = sandbox.received(vendor="tencent")
    assert (record.method, record.path, record.action) == ("POST", PATH + "resume_mcu_task", "resume_mcu_task")
    assert json.loads(record.body) == {"RoomId": "show-1"}
    assert record.headers["content-type"] == "application/json"
    assert_signed(record, creds)
    room = tencent.snapshot()["rooms"]["show-1"]
    assert (room["mix"], room["resumes"]) == ("running", 1)
    json.dumps(xcom)  # plain JSON


def test_set_mix_stream_layout(sandbox, tencent, creds):
    tencent.create_room("show-2")
    layout_info = {"LayoutList": [{"UserId": "host", "LocationX": 0, "LocationY": 0}], "MaxUserLayout": 4}
    op = SetMixStreamOperator(
        task_id="layout", room_id="show-2", layout_mode="1000", video_encode={"Width": 1280, "Height": "720"},
        layout_info=layout_info, **FAST,
    )

    xcom = op.execute(context={})

    assert set(xcom) == {"request_id", "data"}
    [record] = sandbox.received("set_mix_stream")
    assert record.path == PATH + "set_mix_stream"
    assert json.loads(record.body) == {
        "RoomId": "show-2", "LayoutMode": 1000, "VideoEncode": {"Width": 1280, "Height": 720},
        "LayoutInfo": layout_info,
    }
    assert_signed(record, creds)
    assert tencent.snapshot()["rooms"]["show-2"]["layout"]["LayoutMode"] == 1000


def test_grid_layout_and_fresh_random_per_request(sandbox, tencent):
    tencent.create_room("show-3")
    for _ in range(3):
        SetMixStreamOperator(task_id="grid", room_id="show-3", layout_mode=0, **FAST).execute(context={})
    records = sandbox.received("set_mix_stream")
    assert len(records) == 3
    assert json.loads(records[0].body) == {"RoomId": "show-3", "LayoutMode": 0}
    assert len({r.query["random"][0] for r in records}) == 3
    assert tencent.snapshot()["rooms"]["show-3"]["layout_changes"] == 3


def test_hook_reuses_its_usersig_across_calls(sandbox, tencent, connections):
    tencent.create_room("r")
    with TencentLiveHook() as hook:
        hook.call_command("resume_mcu_task", {"RoomId": "r"})
        hook.call_command("resume_mcu_task", {"RoomId": "r"})
    first, second = sandbox.received(vendor="tencent")
    assert usersig_of(first) == usersig_of(second)
    assert first.query["random"] != second.query["random"]


def test_get_room_info(tencent, connections):
    tencent.create_room("show-4", owner_account="anchor_7", room_name="Night show")
    result = TencentLiveHook().get_room_info("show-4")
    info = result.data["RoomInfo"]
    assert (info["RoomId"], info["RoomName"], info["Owner_Account"], info["RoomType"]) == (
        "show-4", "Night show", "anchor_7", "Live")
    assert {"CreateTime", "ActivityStatus"} <= set(info)


def test_rooms_created_and_destroyed_over_rest(tencent, connections):
    hook = TencentLiveHook(backoff_base=0.01)
    hook.call_command("create_room", {"RoomInfo": {"RoomId": "rest-room", "RoomName": "R"}}, idempotent=False)
    assert hook.get_room_info("rest-room").data["RoomInfo"]["RoomName"] == "R"
    hook.call_command("destroy_room", {"RoomId": "rest-room"})
    with pytest.raises(RtcNotFoundError):
        hook.get_room_info("rest-room")


# -- retries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [100422, 60007])
def test_rate_limit_then_success(sandbox, tencent, code):
    tencent.create_room("busy")
    tencent.pause_mix("busy")
    sandbox.inject(kind="vendor_code", vendor="tencent", action="resume_mcu_task", code=code)

    xcom = resume("busy").execute(context={})

    records = sandbox.received("resume_mcu_task")
    assert [r.code for r in records] == [code, 0]
    assert records[0].query["random"] != records[1].query["random"]
    assert xcom["request_id"]
    assert tencent.snapshot()["rooms"]["busy"]["resumes"] == 1


def test_html_gateway_page_then_success(sandbox, tencent):
    tencent.create_room("r")
    sandbox.inject(kind="html", vendor="tencent")
    resume("r").execute(context={})
    assert len(sandbox.received(vendor="tencent")) == 2


def test_rate_limit_gives_up_after_the_retry_budget(sandbox, tencent):
    tencent.create_room("r")
    sandbox.inject(kind="vendor_code", vendor="tencent", code=100422, count=10)
    with pytest.raises(RtcApiError) as caught:
        resume("r", request_retries=2).execute(context={})
    assert caught.value.code == 100422 and caught.value.attempts == 3
    assert len(sandbox.received(vendor="tencent")) == 3


def test_expired_usersig_is_regenerated_and_retried_once(sandbox, tencent, creds, connections):
    tencent.create_room("r")
    now = [time.time() - 60]
    hook = TencentLiveHook(clock=lambda: now[0], backoff_base=0.01)
    hook.call_command("resume_mcu_task", {"RoomId": "r"})  # mints and caches a UserSig
    now[0] = time.time()
    sandbox.inject(kind="vendor_code", vendor="tencent", code=70001)

    result = hook.call_command("resume_mcu_task", {"RoomId": "r"})

    first, rejected, retried = sandbox.received(vendor="tencent")
    assert usersig_of(rejected) == usersig_of(first)  # the cached one was sent...
    assert rejected.code == 70001
    assert usersig_of(retried) != usersig_of(rejected)  # ...and a fresh one after the rejection
    assert retried.code == 0 and result.attempts == 2
    document = verify_usersig(usersig_of(retried), sdkappid=creds["sdkappid"], key=creds["key"])
    assert document.time > decode_usersig(usersig_of(rejected)).time


def test_expired_usersig_twice_fails_with_a_tencent_hint(sandbox, tencent):
    tencent.create_room("r")
    # The sandbox's clock runs two days ahead: every UserSig the hook makes looks expired.
    tencent.clock = lambda: time.time() + 2 * 86400
    try:
        with pytest.raises(RtcClockSkewError) as caught:
            resume("r").execute(context={})
    finally:
        tencent.clock = time.time
    records = sandbox.received(vendor="tencent")
    assert [r.code for r in records] == [70001, 70001]
    message = str(caught.value)
    assert "code 70001" in message and "UserSig" in message and "usersig_ttl" in message
    assert "timestamp" not in message


def test_wrong_key_fails_once_without_retry(sandbox, tencent, connections, monkeypatch):
    tencent.create_room("r")
    document = dict(connections["tencent_live_default"], password="not-the-right-key-0000000000000")
    set_connection(monkeypatch, "tencent_live_default", document)

    with pytest.raises(RtcAuthError) as caught:
        resume("r", request_retries=5).execute(context={})

    assert len(sandbox.received(vendor="tencent")) == 1
    assert caught.value.code == 70009 and "code 70009" in str(caught.value)
    assert caught.value.attempts == 1


def test_non_admin_identifier_is_refused(sandbox, tencent, connections, monkeypatch):
    document = json.loads(json.dumps(connections["tencent_live_default"]))
    document["extra"]["identifier"] = "viewer_1"
    set_connection(monkeypatch, "tencent_live_default", document)
    with pytest.raises(RtcAuthError) as caught:
        TencentLiveHook().get_room_info("r")
    assert caught.value.code == 60010 and "admin" in str(caught.value)
    assert len(sandbox.received(vendor="tencent")) == 1


def test_unknown_sdkappid_is_refused(sandbox, tencent, connections, monkeypatch):
    set_connection(monkeypatch, "tencent_live_default", dict(connections["tencent_live_default"], login="1400999999"))
    with pytest.raises(RtcAuthError) as caught:
        TencentLiveHook().get_room_info("r")
    assert caught.value.code == 60006


# -- rooms and mix tasks that are not there -----------------------------------------------------------


def test_missing_room_names_the_room(sandbox, tencent):
    with pytest.raises(RtcNotFoundError) as caught:
        resume("no-such-room").execute(context={})
    assert caught.value.code == 100004
    assert "'no-such-room'" in str(caught.value)
    assert len(sandbox.received(vendor="tencent")) == 1


def test_room_without_mix_task(sandbox, tencent):
    tencent.create_room("quiet", mix=None)
    with pytest.raises(RtcNotFoundError) as caught:
        resume("quiet").execute(context={})
    assert caught.value.code == 100424 and "'quiet'" in str(caught.value)


def test_dissolved_room(sandbox, tencent):
    tencent.create_room("gone")
    tencent.dissolve_room("gone")
    with pytest.raises(RtcNotFoundError):
        SetMixStreamOperator(task_id="layout", room_id="gone", layout_mode=0, **FAST).execute(context={})


def test_invalid_mixing_mode_from_the_server(tencent, connections):
    tencent.create_room("r")
    with pytest.raises(RtcApiError) as caught:
        TencentLiveHook().call_command("set_mix_stream", {"RoomId": "r", "LayoutMode": 7})
    assert caught.value.code == 100429 and caught.value.kind is ErrorKind.INVALID


# -- validation before any request ---------------------------------------------------------------------


@pytest.mark.parametrize("room_id", ["a" * 49, "房" * 17, ""])
def test_room_id_checked_before_sending(sandbox, tencent, room_id):
    with pytest.raises(RtcValidationError) as caught:
        resume(room_id).execute(context={})
    assert "room_id" in caught.value.field
    assert sandbox.received() == []


def test_48_byte_room_id_is_accepted(sandbox, tencent):
    room_id = "房" * 16  # 48 bytes
    tencent.create_room(room_id)
    resume(room_id).execute(context={})
    assert json.loads(sandbox.received("resume_mcu_task")[0].body) == {"RoomId": room_id}


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"layout_mode": 1}, "layout_mode"),
        ({"layout_mode": 0, "video_encode": {"Width": 0, "Height": 720}}, "video_encode"),
        ({"layout_mode": 0, "video_encode": {"Width": 640}}, "video_encode"),
        ({"layout_mode": 1000, "layout_info": {"LayoutList": "grid"}}, "layout_info"),
        ({"layout_mode": 0, "extra_body": {"RoomId": "other"}}, "extra_body"),
    ],
)
def test_layout_checked_before_sending(sandbox, tencent, kwargs, field):
    with pytest.raises(RtcValidationError) as caught:
        SetMixStreamOperator(task_id="layout", room_id="r", **kwargs, **FAST).execute(context={})
    assert field in caught.value.field
    assert sandbox.received() == []


def test_extra_body_reaches_tencent(sandbox, tencent):
    tencent.create_room("r")
    SetMixStreamOperator(task_id="layout", room_id="r", layout_mode=0, extra_body={"Future": 1}, **FAST).execute(
        context={})
    assert json.loads(sandbox.received("set_mix_stream")[0].body)["Future"] == 1


def test_template_fields():
    assert set(ResumeMcuOperator.template_fields) == {"room_id", "tencent_live_conn_id", "extra_body"}
    assert set(SetMixStreamOperator.template_fields) == {
        "room_id", "layout_mode", "video_encode", "layout_info", "tencent_live_conn_id", "extra_body"}


# -- test_connection ---------------------------------------------------------------------------------------


def test_connection_test_with_right_credentials(sandbox, connections):
    ok, message = TencentLiveHook().test_connection()
    assert ok, message
    [record] = sandbox.received(vendor="tencent")
    assert record.action == "get_room_info" and record.code == 100004


def test_connection_test_with_wrong_key(sandbox, connections, monkeypatch):
    set_connection(monkeypatch, "tencent_live_default",
                   dict(connections["tencent_live_default"], password="wrong-key-wrong-key-wrong-key"))
    ok, message = TencentLiveHook().test_connection()
    assert not ok and "rejected" in message and "70009" in message
    assert len(sandbox.received(vendor="tencent")) == 1


def test_connection_test_with_bad_sdkappid(connections, monkeypatch):
    set_connection(monkeypatch, "tencent_live_default", dict(connections["tencent_live_default"], login="app"))
    ok, message = TencentLiveHook().test_connection()
    assert not ok and "SDKAppID" in message


# -- secrets ---------------------------------------------------------------------------------------------


def test_key_and_usersigs_never_leak(sandbox, tencent, creds, connections, monkeypatch, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    tencent.create_room("r")
    tencent.pause_mix("r")
    outputs: list[str] = []

    sandbox.inject(kind="vendor_code", vendor="tencent", code=100422)
    outputs.append(json.dumps(resume("r").execute(context={})))
    outputs.append(json.dumps(SetMixStreamOperator(task_id="l", room_id="r", layout_mode=0, **FAST).execute(
        context={})))
    sandbox.inject(kind="vendor_code", vendor="tencent", code=70001, count=2)
    for failing in (lambda: resume("r").execute(context={}), lambda: resume("missing").execute(context={})):
        with pytest.raises(RtcApiError) as caught:
            failing()
        outputs += [str(caught.value), repr(caught.value), repr(caught.value.__dict__)]
    sandbox.inject(kind="drop", vendor="tencent", count=2)
    with pytest.raises(RtcApiError) as caught:
        resume("r", request_retries=1).execute(context={})
    outputs += [str(caught.value), repr(caught.value)]
    set_connection(monkeypatch, "tencent_live_default", dict(connections["tencent_live_default"], password="x" * 40))
    with pytest.raises(RtcAuthError) as caught:
        resume("r").execute(context={})
    outputs += [str(caught.value), repr(caught.value)]

    usersigs = {usersig_of(r) for r in sandbox.received(vendor="tencent")}
    assert len(usersigs) >= 2  # the right key's and the wrong key's
    captured = capsys.readouterr()
    haystack = "\n".join([*outputs, caplog.text, captured.out, captured.err])
    for secret in (creds["key"], *usersigs):
        assert secret not in haystack
    # urllib3 logs the request line at DEBUG: the masker must have replaced the UserSig there.
    assert re.search(r"usersig=(?!\*\*\*)", haystack) is None


def test_control_api_over_http(sandbox, tencent):
    url = f"{sandbox.url}/_sandbox/state/tencent"
    assert requests.post(url, json={"command": "create_room", "room_id": "ctl", "mix": "paused"}, timeout=5).ok
    assert requests.post(url, json={"command": "pause_mix", "room_id": "nope"}, timeout=5).status_code == 400
    state = requests.get(f"{sandbox.url}/_sandbox/state", timeout=5).json()["tencent"]
    assert state["rooms"]["ctl"]["mix"] == "paused"
    assert requests.post(url, json={"command": "dissolve_room", "room_id": "ctl"}, timeout=5).ok
    assert tencent.snapshot()["rooms"] == {}


def test_unreachable_host_error_keeps_no_signed_url(connections, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    set_connection(monkeypatch, "tencent_live_default",
                   dict(connections["tencent_live_default"], host=f"http://127.0.0.1:{closed_port}"))
    with pytest.raises(RtcApiError) as caught:
        resume("r", request_retries=0).execute(context={})
    assert "connection refused" in str(caught.value)
    seen, error = [], caught.value
    while error is not None:  # requests' own exceptions repeat the full URL: none may stay attached
        seen.append(f"{error!s} {error!r}")
        error = error.__cause__ or error.__context__
    assert not any("usersig" in text for text in seen)
