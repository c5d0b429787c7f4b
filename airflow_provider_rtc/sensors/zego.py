"""Sensors on ZEGO state: streams in a room, users in a room, a mix task, a stream, given users."""

from __future__ import annotations

from typing import Sequence

from airflow_provider_rtc.arguments import choice_or_template
from airflow_provider_rtc.conditions import (
    ZegoMixTask,
    ZegoRoomStreams,
    ZegoRoomUsers,
    ZegoStreamState,
    ZegoUsersPresent,
)
from airflow_provider_rtc.sensors.base import RtcConditionSensor


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
        self.until = choice_or_template("until", until, ("empty", "occupied"))
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
        self.until = choice_or_template("until", until, ("stopped", "running"))

    def build_condition(self) -> ZegoMixTask:
        return ZegoMixTask(mix_task_id=self.mix_task_id, until=self.until)


class ZegoStreamStateSensor(ZegoBaseSensor):
    """Wait until a stream is live on ZEGO's RTC server (``until="live"``) or gone (``"gone"``).

    Uses ``DescribeRTCStreamState`` (40/s per AppId); 41004 (no such stream) and 41006 (closed)
    mean gone. Streams published straight to a CDN or made by the mixer are not visible to it.
    XCom: ``{"stream_id", "live", "code", "request_id"}``.
    """

    template_fields: Sequence[str] = ("stream_id", "until", "zego_conn_id", "succeed_at")
    condition_class = ZegoStreamState

    def __init__(self, *, stream_id: str, until: str = "live", **kwargs):
        super().__init__(**kwargs)
        self.stream_id = stream_id
        self.until = choice_or_template("until", until, ("live", "gone"))

    def build_condition(self) -> ZegoStreamState:
        return ZegoStreamState(stream_id=self.stream_id, until=self.until)


class ZegoUsersPresentSensor(ZegoBaseSensor):
    """Wait until all ``user_ids`` (1..10) are in a room (``until="present"``) or none is (``"absent"``).

    Uses ``DescribeUsers`` (10/s per AppId); a room that does not exist (50001) has nobody in it.
    XCom: ``{"room_id", "room_exists", "present", "absent", "request_id"}``.
    """

    template_fields: Sequence[str] = ("room_id", "user_ids", "until", "zego_conn_id", "succeed_at")
    condition_class = ZegoUsersPresent

    def __init__(self, *, room_id: str, user_ids: list[str], until: str = "present", **kwargs):
        super().__init__(**kwargs)
        self.room_id = room_id
        self.user_ids = user_ids
        self.until = choice_or_template("until", until, ("present", "absent"))

    def build_condition(self) -> ZegoUsersPresent:
        return ZegoUsersPresent(room_id=self.room_id, user_ids=self.user_ids, until=self.until)
