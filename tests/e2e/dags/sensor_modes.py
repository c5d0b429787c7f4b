"""Test-only DAG: one sensor per vendor in ``reschedule`` mode, for the real-Airflow end-to-end test.

Reschedule mode needs a scheduler (the task gives its worker slot back between pokes and is
rescheduled), so it can only be proven on a real Airflow; the test changes the sandbox's state
once each sensor has been seen waiting in ``up_for_reschedule``.
"""

from __future__ import annotations

import datetime

from airflow.sdk import DAG

from airflow_provider_rtc.sensors.tencent import TencentRoomSensor
from airflow_provider_rtc.sensors.volcengine import VolcengineSegmentTaskSensor
from airflow_provider_rtc.sensors.zego import ZegoRoomUsersSensor

with DAG(
    dag_id="rtc_sensor_modes",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    doc_md=__doc__,
) as dag:
    common = {"mode": "reschedule", "poke_interval": 2, "timeout": 240}
    ZegoRoomUsersSensor(task_id="zego_room_occupied", room_id="modes-room", until="occupied", **common)
    VolcengineSegmentTaskSensor(task_id="volcengine_segment_ended", room_id="modes-room",
                                segment_task_id="modes-seg", **common)
    TencentRoomSensor(task_id="tencent_room_gone", room_id="modes-room", until="gone", **common)
