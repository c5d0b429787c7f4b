"""What the on-call engineer reads: the connection Test button's answer, and the log lines of
operators, sensors and the trigger."""

from __future__ import annotations

import logging
import re
import socket

import pytest

from airflow_provider_rtc.hooks.tencent import TencentLiveHook
from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook
from airflow_provider_rtc.hooks.zego import ZegoHook
from airflow_provider_rtc.operators.zego import StartAutoMixOperator, StopMixOperator
from airflow_provider_rtc.sandbox.credentials import SANDBOX_CREDENTIALS
from airflow_provider_rtc.sensors.zego import ZegoRoomUsersSensor
from tests.conftest import FAST, set_connection
from tests.integration.sensor_helpers import after_requests, defer, run_trigger

# The UI tests a connection under a random temporary id like this one.
TEMP_ID = "XwF2wxmC"
HOOKS = {"zego_default": ("ZEGO", ZegoHook), "volcengine_rtc_default": ("Volcengine", VolcengineRtcHook),
         "tencent_live_default": ("Tencent", TencentLiveHook)}
ACTIONS = {"zego_default": "DescribeUserNum", "volcengine_rtc_default": "GetSegmentTask",
           "tencent_live_default": "get_room_info"}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_temp(monkeypatch, connections, conn_id, **changes):
    set_connection(monkeypatch, TEMP_ID, dict(connections[conn_id], **changes))
    return HOOKS[conn_id][1](TEMP_ID)


@pytest.mark.parametrize("conn_id", HOOKS)
def test_a_good_connection_passes(sandbox, connections, monkeypatch, conn_id):
    ok, message = _as_temp(monkeypatch, connections, conn_id).test_connection()
    assert ok, message
    assert TEMP_ID not in message


@pytest.mark.parametrize("conn_id", HOOKS)
def test_nothing_listening_is_not_reachable_after_one_attempt(sandbox, connections, monkeypatch, conn_id):
    url = f"http://127.0.0.1:{_closed_port()}"
    extra = dict(connections[conn_id]["extra"], **({"asr_host": url} if conn_id == "zego_default" else {}))
    hook = _as_temp(monkeypatch, connections, conn_id, host=url, extra=extra)
    ok, message = hook.test_connection()
    vendor = HOOKS[conn_id][0]
    assert (ok, message) == (False, f"{vendor} not reachable: connection refused or unreachable")
    assert (hook.settings.max_retries, hook.settings.connect_timeout, hook.settings.read_timeout) == (0, 3.0, 5.0)


@pytest.mark.parametrize("conn_id", HOOKS)
def test_a_failing_vendor_is_asked_once(sandbox, connections, monkeypatch, conn_id):
    sandbox.inject(kind="http", status=503, count=1000)
    ok, message = _as_temp(monkeypatch, connections, conn_id).test_connection()
    assert not ok and "reachable but the test call failed" in message and "HTTP 503" in message
    assert "attempts" not in message and TEMP_ID not in message
    assert len(sandbox.received(action=ACTIONS[conn_id])) == 1


@pytest.mark.parametrize("conn_id", HOOKS)
def test_bad_settings_and_secrets_name_no_temporary_id(sandbox, connections, monkeypatch, conn_id):
    ok, message = _as_temp(monkeypatch, connections, conn_id, password="").test_connection()
    assert not ok and message.startswith("Connection settings invalid: the connection:") and TEMP_ID not in message
    ok, message = _as_temp(monkeypatch, connections, conn_id, password="wrong-secret-000").test_connection()
    assert not ok and message.startswith(f"Credentials rejected by {HOOKS[conn_id][0]}") and TEMP_ID not in message


# -- logs -------------------------------------------------------------------------------------------------


class Logs:
    """Everything logged: stdlib records (hooks, the trigger) and what Airflow's task loggers print."""

    def __init__(self, caplog, capfd):
        self.caplog, self.capfd, self.printed = caplog, capfd, ""

    def lines(self, needle: str) -> list[str]:
        out, err = self.capfd.readouterr()
        self.printed += out + err
        found = [record.getMessage() for record in self.caplog.records if needle in record.getMessage()]
        for line in self.printed.splitlines():
            if needle in line:  # structlog's console line: "<time> [info     ] <message> [<logger>] loc=..."
                message = re.sub(r" \[[\w.]+\]( loc=\S+)?\s*$", "", line.split("] ", 1)[1])
                if message not in found:
                    found.append(message)
        return found

    def clear(self) -> None:
        self.lines("")
        self.caplog.clear()
        self.printed = ""

    @property
    def text(self) -> str:
        self.lines("")
        return self.caplog.text + self.printed


@pytest.fixture
def logs(caplog, capfd):
    caplog.set_level(logging.INFO)
    return Logs(caplog, capfd)


def test_every_operator_logs_one_line_of_what_it_did_and_what_the_vendor_said(sandbox, connections, logs):
    StartAutoMixOperator(task_id="start", room_id="show", mix_task_id="mix-1", user_id="host",
                         mix_output=[{"StreamId": "out"}], **FAST).execute(context={})
    stop = StopMixOperator(task_id="stop", mix_task_id="mix-1", **FAST)
    stop.execute(context={})
    stop.execute(context={})
    [start] = logs.lines("ZEGO StartAutoMix [")
    assert start.startswith("ZEGO StartAutoMix [room_id=show, mix_task_id=mix-1, user_id=host]: done; ZEGO said OK "
                            "(UserId=host, Sequence=0, RoomId=show, PlayInfo=[1 item(s)]); RequestId sandbox-zego-")
    stopped, already = logs.lines("ZEGO StopMix [")
    assert stopped.startswith("ZEGO StopMix [mix_task_id=mix-1, user_id=None]: done; ZEGO said OK (no data);")
    assert already.startswith("ZEGO StopMix [mix_task_id=mix-1, user_id=None]: done, already stopped; "
                              "ZEGO answered code 110209001 (mix task does not exist): the vendor says it does not exist; "
                              "fail_if_not_found=True fails instead; RequestId")
    assert SANDBOX_CREDENTIALS["zego"]["server_secret"] not in logs.text
    assert "Signature=" not in "".join(logs.lines("ZEGO Stop"))


def test_sensors_log_what_they_saw_and_the_trigger_reports_progress_at_a_modest_rate(sandbox, connections, logs):
    zego = sandbox.route("zego")
    zego.set_users("show", 2)
    value = ZegoRoomUsersSensor(task_id="w", room_id="show", until="occupied", poke_interval=0.1,
                                timeout=10).execute(context={})
    assert value["user_count"] == 2
    assert logs.lines("Condition met: ") == ["Condition met: room_id=show, user_count=2, request_id="
                                                 + value["request_id"]]
    logs.clear()
    before = len(sandbox.received("DescribeUserNum"))
    zego.set_users("show", 0)
    sensor = ZegoRoomUsersSensor(task_id="w", room_id="show", until="occupied", poke_interval=0.05,
                                 deferrable=True, timeout=600)
    trigger, kwargs = defer(sensor)
    assert kwargs["gives_up_at"]  # the sensor's timeout, for the progress line
    after_requests(sandbox, "DescribeUserNum", 3, zego.set_users, "show", 3)  # three polls see it empty
    event = run_trigger(trigger)
    polls = len(sandbox.received("DescribeUserNum")) - before - 1  # minus the worker's first poke
    assert event.payload["status"] == "done" and polls >= 3
    # One progress line for the first poll (not one per poll, and not the raw vendor answer) ...
    [progress] = logs.lines("Waiting for ")
    assert progress.startswith("Waiting for ZEGO DescribeUserNum (room_id=show, until=occupied, min_users=1): "
                               "1 poll(s) so far, last saw room_id=show, user_count=0, request_id=")
    assert f"gives up at {kwargs['gives_up_at']}" in progress
    # ... and one line when it is met.
    [met] = logs.lines("Condition met after ")
    assert met.startswith(f"Condition met after {polls} poll(s): room_id=show, user_count=3")
    sensor.execute_complete({}, event.payload)
    assert logs.lines("Condition met on the triggerer: room_id=show, user_count=3")
