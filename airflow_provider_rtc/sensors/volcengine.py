"""Sensors on Volcengine / BytePlus RTC state: a segment (audio slicing) or recording task, users in a room."""

from __future__ import annotations

from functools import cached_property
from typing import Sequence

from airflow_provider_rtc.arguments import choice_or_template, with_app_id
from airflow_provider_rtc.conditions import VolcengineRecordTask, VolcengineRoomUsers, VolcengineSegmentTask
from airflow_provider_rtc.sensors.base import RtcConditionSensor


class VolcengineBaseSensor(RtcConditionSensor):
    conn_id_attr = "volcengine_rtc_conn_id"

    def __init__(self, *, app_id: str | None = None, volcengine_rtc_conn_id: str = "volcengine_rtc_default",
                 **kwargs):
        super().__init__(**kwargs)
        self.app_id = app_id
        self.volcengine_rtc_conn_id = volcengine_rtc_conn_id

    @cached_property
    def resolved_app_id(self) -> str:
        """``app_id`` or the connection's default (looked up at execute time, never at parse time)."""
        from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook

        return VolcengineRtcHook(self.conn_id).default_app_id(self.app_id)

    def with_app_id(self, make):
        """``make(app_id)``, the condition, with ``app_id`` or the connection's default AppId."""
        return with_app_id(self.app_id, lambda: self.resolved_app_id, make)


class VolcengineSegmentTaskSensor(VolcengineBaseSensor):
    """Wait until a segment task has ended (``until="ended"``) or is running. ``GetSegmentTask`` (2022-06-01).

    Status 4 (failed) fails the sensor at once with the task's StopReason. A task the vendor does not
    know (or older than 72 h) counts as ended.
    """

    template_fields: Sequence[str] = ("room_id", "segment_task_id", "app_id", "until", "volcengine_rtc_conn_id", "succeed_at")
    condition_class = VolcengineSegmentTask

    def __init__(self, *, room_id: str, segment_task_id: str, until: str = "ended", **kwargs):
        super().__init__(**kwargs)
        self.room_id = room_id
        self.segment_task_id = segment_task_id
        self.until = choice_or_template("until", until, ("ended", "running"))

    def build_condition(self) -> VolcengineSegmentTask:
        return self.with_app_id(lambda app_id: VolcengineSegmentTask(
            app_id=app_id, room_id=self.room_id, segment_task_id=self.segment_task_id, until=self.until))


class VolcengineRoomUsersSensor(VolcengineBaseSensor):
    """Wait until a room is empty or occupied. ``GetRoomOnlineUsers`` (2023-11-01); a room that does not exist is empty."""

    template_fields: Sequence[str] = ("room_id", "app_id", "until", "volcengine_rtc_conn_id", "succeed_at")
    condition_class = VolcengineRoomUsers

    def __init__(self, *, room_id: str, until: str = "empty", **kwargs):
        super().__init__(**kwargs)
        self.room_id = room_id
        self.until = choice_or_template("until", until, ("empty", "occupied"))

    def build_condition(self) -> VolcengineRoomUsers:
        return self.with_app_id(lambda app_id: VolcengineRoomUsers(app_id=app_id, room_id=self.room_id,
                                                                   until=self.until))


class VolcengineRecordTaskSensor(VolcengineBaseSensor):
    """Wait until a cloud recording has finished (``until="ended"``) or is running. ``GetRecordTask``.

    Status 4 (failed) fails the sensor at once with the task's StopReason; a task the vendor does
    not know (or older than 72 h) counts as ended. XCom: ``{"room_id", "record_task_id", "status",
    "status_text", "stop_reason", "record_files"?, "request_id"}``: ``record_files`` is the vendor's
    RecordFileList once the recording ended.
    """

    template_fields: Sequence[str] = ("room_id", "record_task_id", "app_id", "until", "volcengine_rtc_conn_id",
                                      "succeed_at")
    condition_class = VolcengineRecordTask

    def __init__(self, *, room_id: str, record_task_id: str, until: str = "ended", **kwargs):
        super().__init__(**kwargs)
        self.room_id = room_id
        self.record_task_id = record_task_id
        self.until = choice_or_template("until", until, ("ended", "running"))

    def build_condition(self) -> VolcengineRecordTask:
        return self.with_app_id(lambda app_id: VolcengineRecordTask(
            app_id=app_id, room_id=self.room_id, record_task_id=self.record_task_id, until=self.until))
