"""Sensors on ZEGO state: streams in a room, users in a room, a mix task."""

from __future__ import annotations

from typing import Sequence

from airflow_provider_rtc.conditions import ZegoMixTask, ZegoRoomStreams, ZegoRoomUsers
from airflow_provider_rtc.sensors.base import RtcConditionSensor


def _choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices and "{{" not in str(value):
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


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

    template_fields: Sequence[str] = ("room_id", "min_streams", "stream_ids", "zego_conn_id")
    condition_class = ZegoRoomStreams

    def __init__(self, *, room_id: str, min_streams: int = 1, stream_ids: list[str] | None = None,
                 poke_interval: float = 10.0, **kwargs):
        super().__init__(poke_interval=poke_interval, **kwargs)
        self.room_id = room_id
        self.min_streams = min_streams
        self.stream_ids = stream_ids

    def build_condition(self) -> ZegoRoomStreams:
        return ZegoRoomStreams(room_id=self.room_id, min_streams=int(self.min_streams),
                               stream_ids=list(self.stream_ids) if self.stream_ids else None)


class ZegoRoomUsersSensor(ZegoBaseSensor):
    """Wait until a room is empty (``until="empty"``) or has at least ``min_users`` (``"occupied"``).

    Uses ``DescribeUserNum`` (an unknown room counts as empty).
    """

    template_fields: Sequence[str] = ("room_id", "until", "min_users", "zego_conn_id")
    condition_class = ZegoRoomUsers

    def __init__(self, *, room_id: str, until: str = "empty", min_users: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.room_id = room_id
        self.until = _choice("until", until, ("empty", "occupied"))
        self.min_users = min_users

    def build_condition(self) -> ZegoRoomUsers:
        return ZegoRoomUsers(room_id=self.room_id, until=_choice("until", self.until, ("empty", "occupied")),
                             min_users=int(self.min_users))


class ZegoMixTaskSensor(ZegoBaseSensor):
    """Wait until a mix task is stopped (``until="stopped"``) or running. ``GetMixTaskInfo``; 110209001 = not running."""

    template_fields: Sequence[str] = ("mix_task_id", "until", "zego_conn_id")
    condition_class = ZegoMixTask

    def __init__(self, *, mix_task_id: str, until: str = "stopped", **kwargs):
        super().__init__(**kwargs)
        self.mix_task_id = mix_task_id
        self.until = _choice("until", until, ("stopped", "running"))

    def build_condition(self) -> ZegoMixTask:
        return ZegoMixTask(mix_task_id=self.mix_task_id, until=_choice("until", self.until, ("stopped", "running")))
