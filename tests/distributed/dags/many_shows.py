"""Test-only DAG: many live shows at once, one mapped task group per kind of vendor work.

Each room is one show: wait (deferrable) until the host is live, start the vendor task (a ZEGO
auto mix, ZEGO realtime ASR or a Volcengine segment task), wait (deferrable) until the room
empties, stop it. ``params.rooms`` lists the rooms and the kind of each; the default is 20 rooms
across the three kinds. The sensors set no ``deferrable``: the deployment's
``[operators] default_deferrable = True`` decides, as the README recommends.
"""

from __future__ import annotations

import datetime

from airflow.sdk import DAG, Param, task, task_group

from airflow_provider_rtc.operators.volcengine import StartSegmentOperator, StopSegmentOperator
from airflow_provider_rtc.operators.zego import (
    StartASROperator,
    StartAutoMixOperator,
    StopASROperator,
    StopAutoMixOperator,
)
from airflow_provider_rtc.sensors.volcengine import VolcengineRoomUsersSensor
from airflow_provider_rtc.sensors.zego import ZegoRoomStreamSensor, ZegoRoomUsersSensor

KINDS = ("mix", "asr", "segment")
DEFAULT_ROOMS = [{"room_id": f"show-{n:02d}", "kind": KINDS[n % 3]} for n in range(20)]
# A slow vendor answer must not be cut short by the read timeout before the test acts on it.
CALL = {"request_timeout": 60, "call_timeout": 180}
WAIT = {"timeout": 1800}

with DAG(
    dag_id="rtc_many_shows",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_tasks=64,
    params={"rooms": Param(DEFAULT_ROOMS, type="array", title="Rooms",
                           description='[{"room_id": ..., "kind": "mix" | "asr" | "segment"}]')},
    default_args={"retries": 1, "retry_delay": datetime.timedelta(seconds=3)},
    doc_md=__doc__,
) as dag:

    @task
    def rooms_of(kind: str, **context) -> list[str]:
        return [room["room_id"] for room in context["params"]["rooms"] if room["kind"] == kind]

    @task_group
    def mix_show(room_id):
        host = ZegoRoomStreamSensor(task_id="wait_for_host", room_id=room_id, poke_interval=10, **WAIT)
        start = StartAutoMixOperator(task_id="start_mix", room_id=room_id, mix_task_id=room_id, user_id="producer",
                                     mix_output=[{"StreamId": "mixed"}], **CALL)
        end = ZegoRoomUsersSensor(task_id="wait_for_end", room_id=room_id, until="empty", poke_interval=5, **WAIT)
        stop = StopAutoMixOperator(task_id="stop_mix", mix_task_id=room_id, room_id=room_id, user_id="producer",
                                   **CALL)
        host >> start >> end >> stop

    @task_group
    def asr_show(room_id):
        host = ZegoRoomStreamSensor(task_id="wait_for_host", room_id=room_id, poke_interval=10, **WAIT)
        start = StartASROperator(task_id="start_asr", room_id=room_id, **CALL)
        end = ZegoRoomUsersSensor(task_id="wait_for_end", room_id=room_id, until="empty", poke_interval=5, **WAIT)
        stop = StopASROperator(
            task_id="stop_asr",
            asr_task_id="{{ ti.xcom_pull(task_ids='asr_show.start_asr', map_indexes=ti.map_index)['data']['TaskId'] }}",
            **CALL)
        host >> start >> end >> stop

    @task_group
    def segment_show(room_id):
        host = VolcengineRoomUsersSensor(task_id="wait_for_host", room_id=room_id, until="occupied", poke_interval=5,
                                         **WAIT)
        start = StartSegmentOperator(task_id="start_segment", room_id=room_id, segment_task_id=room_id, **CALL)
        end = VolcengineRoomUsersSensor(task_id="wait_for_end", room_id=room_id, until="empty", poke_interval=5,
                                        **WAIT)
        stop = StopSegmentOperator(task_id="stop_segment", room_id=room_id, segment_task_id=room_id, **CALL)
        host >> start >> end >> stop

    mix_show.expand(room_id=rooms_of("mix"))
    asr_show.expand(room_id=rooms_of("asr"))
    segment_show.expand(room_id=rooms_of("segment"))
