"""A retried StartASROperator (try 2+) starts a new ZEGO task and warns about the one try 1 may have left."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from airflow_provider_rtc.operators.zego import StartASROperator
from tests.conftest import FAST

WARNING = "may already have started a ZEGO realtime ASR task in room room-9"


def logged(caplog, capsys) -> str:
    return caplog.text + capsys.readouterr().out  # Airflow logs via structlog


def test_a_retry_warns_that_the_lost_try_may_have_started_a_task_in_the_room(sandbox, connections, caplog, capsys):
    caplog.set_level(logging.WARNING)
    first = StartASROperator(task_id="asr", room_id="room-9", **FAST).execute({"ti": SimpleNamespace(try_number=1)})
    assert WARNING not in logged(caplog, capsys)
    second = StartASROperator(task_id="asr", room_id="room-9", **FAST).execute({"ti": SimpleNamespace(try_number=2)})
    assert logged(caplog, capsys).count(WARNING) == 1
    # The warning does not stop the retry: it is the show's only chance of captions.
    assert first["data"]["TaskId"] != second["data"]["TaskId"]
    assert len(sandbox.received("StartRealtimeASRTask")) == 2
