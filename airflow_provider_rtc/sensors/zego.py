"""Sensors on ZEGO state: streams in a room, users in a room, a mix task."""

from __future__ import annotations

from typing import Sequence

from airflow_provider_rtc.conditions import ZegoMixTask, ZegoRoomStreams, ZegoRoomUsers
from airflow_provider_rtc.sensors.base import RtcConditionSensor


def _choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    # At parse time a template is let through; the condition checks the rendered value again.
    if isinstance(value, str) and "{{" in value:
        return value
    from airflow_provider_rtc import arguments

    return arguments.choice(name, value, choices)


class ZegoBaseSensor(RtcConditionSensor):
    conn_id_attr = "zego_conn_id"

    def __init__(self, *, zego_conn_id: str = "zego_default", **kwargs):
        super().__init__(**kwargs)
        self.zego_conn_id = zego_conn_id


class ZegoRoomStreamSensor(ZegoBaseSensor):
    """Wait until a room has at least ``min_streams`` streams, or all of ``stream_ids`` (host is live).

    Uses ``DescribeSimpleStreamList``; ZEGO allows one call per 10 s per room, so the poke interval
    is never below 10 s. XCom: ``{"room_id", "stream_count", "stream_ids", "request_id"}``.
    """

    template_fields: Sequence[str] = ("room_id", "min_streams", "stream_ids", "zego_conn_id", "succeed_at")
    condition_class = ZegoRoomStreams

    def __init__(self, *, room_id: str, min_streams: int = 1, stream_ids: list[str] | None = None,
                 poke_interval: float = 10.0, **kwargs):
        super().__init__(poke_interval=poke_interval, **kwargs)
        self.room_id = room_id
        self.min_streams = min_streams
        self.stream_ids = stream_ids

    def build_condition(self) -> ZegoRoomStreams:
        # Passed as given: the condition checks and converts them (int("x") here would fail unnamed).
        return ZegoRoomStreams(room_id=self.room_id, min_streams=self.min_streams, stream_ids=self.stream_ids)


class ZegoRoomUsersSensor(ZegoBaseSensor):
    """Wait until a room is empty (``until="empty"``) or has at least ``min_users`` (``"occupied"``).

    Uses ``DescribeUserNum`` (an unknown room counts as empty).
    """

    template_fields: Sequence[str] = ("room_id", "until", "min_users", "zego_conn_id", "succeed_at")
    condition_class = ZegoRoomUsers

    def __init__(self, *, room_id: str, until: str = "empty", min_users: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.room_id = room_id
        self.until = _choice("until", until, ("empty", "occupied"))
        self.min_users = min_users

    def build_condition(self) -> ZegoRoomUsers:
        return ZegoRoomUsers(room_id=self.room_id, until=self.until, min_users=self.min_users)


class ZegoMixTaskSensor(ZegoBaseSensor):
    """Wait until a mix task is stopped (``until="stopped"``) or running. ``GetMixTaskInfo``; 110209001 = not running."""

    template_fields: Sequence[str] = ("mix_task_id", "until", "zego_conn_id", "succeed_at")
    condition_class = ZegoMixTask

    def __init__(self, *, mix_task_id: str, until: str = "stopped", **kwargs):
        super().__init__(**kwargs)
        self.mix_task_id = mix_task_id
        self.until = _choice("until", until, ("stopped", "running"))

    def build_condition(self) -> ZegoMixTask:
        return ZegoMixTask(mix_task_id=self.mix_task_id, until=self.until)
