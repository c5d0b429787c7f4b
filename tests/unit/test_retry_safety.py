"""The warning a retried StartRealtimeASRTask gives about a task the lost try may have started."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from airflow_provider_rtc.operators.retry_safety import warn_if_retry_may_orphan_asr

LOG = logging.getLogger("test-retry-safety")


@pytest.mark.parametrize("context", [{}, {"ti": None}, {"ti": SimpleNamespace(try_number=1)},
                                     {"ti": SimpleNamespace(try_number=None)}])
def test_a_first_try_or_no_task_instance_says_nothing(context, caplog):
    with caplog.at_level(logging.WARNING, logger=LOG.name):
        assert warn_if_retry_may_orphan_asr(context, LOG, "room-1") is False
    assert caplog.records == []


def test_a_retry_names_the_room_and_the_vendor_s_auto_stop(caplog):
    with caplog.at_level(logging.WARNING, logger=LOG.name):
        assert warn_if_retry_may_orphan_asr({"ti": SimpleNamespace(try_number=3)}, LOG, "show-7") is True
    (record,) = caplog.records
    message = record.getMessage()
    assert record.levelno == logging.WARNING
    assert message.startswith("Try 3 of a realtime ASR start for room show-7")
    assert "started a ZEGO realtime ASR task in room show-7" in message and "120-150 s" in message
