"""A scheduled live show on ZEGO: mix and speech recognition on at the start, reliably off at the end.

What it does
    start_mix (StartAutoMix) and start_asr (StartRealtimeASRTask) run as *setup* tasks, the show
    runs (``on_air``), then stop_asr and stop_mix run as their *teardown* tasks: Airflow runs them
    even when something between start and stop fails, so no mix or ASR task is left running and
    billing. Stops are idempotent: a task that already ended counts as stopped.

Connections
    ``zego_default`` (type ``zego``): login = AppId, password = ServerSecret. For ASR the
    ``asr_host`` extra may point elsewhere (default https://cloud-realtime-asr-api.zegotech.cn).

Against the sandbox (no ZEGO account needed)
    ``make demo`` runs this DAG against the loopback sandbox. By hand:
    ``python -m airflow_provider_rtc.sandbox --port 8900`` and
    ``AIRFLOW_CONN_ZEGO_DEFAULT='{"conn_type": "zego", "login": "1234567890",
    "password": "sandbox0zego0server0secret0000000", "host": "http://127.0.0.1:8900",
    "extra": {"asr_host": "http://127.0.0.1:8900"}}' airflow dags test rtc_zego_show``.

Triggering by hand
    The same DAG can be triggered from the UI's trigger form with another room, output stream or
    show length (``params``).
"""

from __future__ import annotations

import datetime

from airflow.sdk import DAG, Param, task
from airflow.timetables.trigger import CronTriggerTimetable

from airflow_provider_rtc.operators.zego import (
    StartASROperator,
    StartAutoMixOperator,
    StopASROperator,
    StopAutoMixOperator,
)

MIX_TASK_ID = "{{ params.room_id }}-mix-{{ ds_nodash }}"

with DAG(
    dag_id="rtc_zego_show",
    description="Friday night show on ZEGO: auto mix + realtime ASR, always stopped at the end",
    schedule=CronTriggerTimetable("0 20 * * 5", timezone="UTC"),
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["rtc", "zego", "example"],
    params={
        "room_id": Param("sandbox-room", type="string", minLength=1, maxLength=128, title="Room id",
                         description="The ZEGO room the show runs in."),
        "host_user_id": Param("show-operator", type="string", minLength=1, title="Mix owner UserId",
                              description="UserId that owns the mix task; the same one must stop it."),
        "output_stream_id": Param("sandbox-room-mixed", type="string", pattern="^[A-Za-z0-9_-]{1,256}$",
                                  title="Mixed output stream id"),
        "show_seconds": Param(3, type="integer", minimum=0, maximum=6 * 3600, title="Show length (seconds)",
                              description="How long the show stays on air before everything is stopped."),
    },
    doc_md=__doc__,
) as dag:
    start_mix = StartAutoMixOperator(
        task_id="start_mix",
        room_id="{{ params.room_id }}",
        mix_task_id=MIX_TASK_ID,
        user_id="{{ params.host_user_id }}",
        mix_output=[{"StreamId": "{{ params.output_stream_id }}"}],
    )
    start_asr = StartASROperator(task_id="start_asr", room_id="{{ params.room_id }}", engine_model_type="16k_zh")

    @task
    def on_air(params=None):
        import time

        time.sleep(int(params["show_seconds"]))

    show = on_air()

    stop_asr = StopASROperator(
        task_id="stop_asr", asr_task_id="{{ ti.xcom_pull(task_ids='start_asr')['data']['TaskId'] }}"
    )
    stop_mix = StopAutoMixOperator(
        task_id="stop_mix",
        mix_task_id=MIX_TASK_ID,
        room_id="{{ params.room_id }}",
        user_id="{{ params.host_user_id }}",
    )

    [start_mix, start_asr] >> show >> [stop_asr, stop_mix]
    stop_asr.as_teardown(setups=start_asr)
    stop_mix.as_teardown(setups=start_mix)
