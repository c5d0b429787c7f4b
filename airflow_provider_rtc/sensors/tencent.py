"""Sensors on Tencent Cloud live engine rooms."""

from __future__ import annotations

from typing import Sequence

from airflow_provider_rtc.arguments import choice_or_template
from airflow_provider_rtc.conditions import TencentRoom
from airflow_provider_rtc.sensors.base import RtcConditionSensor


class TencentRoomSensor(RtcConditionSensor):
    """Wait until a room exists (``until="exists"``) or is gone (dissolved). ``get_room_info``; 100004 = gone."""

    template_fields: Sequence[str] = ("room_id", "until", "tencent_live_conn_id", "succeed_at")
    conn_id_attr = "tencent_live_conn_id"
    condition_class = TencentRoom

    def __init__(self, *, room_id: str, until: str = "exists", tencent_live_conn_id: str = "tencent_live_default",
                 **kwargs):
        super().__init__(**kwargs)
        self.room_id = room_id
        self.until = choice_or_template("until", until, ("exists", "gone"))
        self.tencent_live_conn_id = tencent_live_conn_id

    def build_condition(self) -> TencentRoom:
        return TencentRoom(room_id=self.room_id, until=choice_or_template("until", self.until, ("exists", "gone")))
