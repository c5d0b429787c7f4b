"""A scheduled live show: ZEGO mix and speech recognition, Volcengine audio slicing, a Tencent ad break.

What it does
    wait_for_host (deferrable: no worker slot while waiting) until the host's stream is live in the
    ZEGO room; then start_mix (StartAutoMix), start_asr (StartRealtimeASRTask) and start_segment
    (Volcengine StartSegment) run as *setup* tasks; the show runs (``on_air``) and, after the ad
    break, the Tencent room's mixed picture is resumed (resume_after_ad_break); then stop_segment,
    stop_asr and stop_mix run as their *teardown* tasks: Airflow runs them even when something
    between start and stop fails, so no vendor task is left running and billing, and the run
    still fails if a step failed. Stops are idempotent: a task that already ended counts as stopped.

Connections
    ``zego_default`` (type ``zego``): login = AppId, password = ServerSecret. For ASR the
    ``asr_host`` extra may point elsewhere (default https://cloud-realtime-asr-api.zegotech.cn).
    ``volcengine_rtc_default`` (type ``volcengine_rtc``): AccessKeyId / SecretAccessKey, extra
    ``app_id``. ``tencent_live_default`` (type ``tencent_live``): SDKAppID / SDK secret key.

Against the sandbox (no ZEGO account needed)
    ``make demo`` runs this DAG against the loopback sandbox (tools/run_demo.py shows how: it
    starts the sandbox, seeds a live host stream and a paused Tencent room with
    ``Sandbox.seed_demo_show()``, and sets ``AIRFLOW_CONN_*`` from
    ``airflow_provider_rtc.sandbox.credentials.airflow_connections(sandbox.url)``).

Triggering by hand
    The same DAG can be triggered from the UI's trigger form with another room, output stream or
    show length (``params``).
"""

from __future__ import annotations

import datetime

from airflow.sdk import DAG, Param, task
from airflow.timetables.trigger import CronTriggerTimetable

from airflow_provider_rtc.operators.tencent import ResumeMcuOperator
from airflow_provider_rtc.operators.volcengine import StartSegmentOperator, StopSegmentOperator
from airflow_provider_rtc.operators.zego import (
    StartASROperator,
    StartAutoMixOperator,
    StopASROperator,
    StopAutoMixOperator,
)
from airflow_provider_rtc.sensors.zego import ZegoRoomStreamSensor

MIX_TASK_ID = "{{ params.room_id }}-mix-{{ ds_nodash }}"
SEGMENT_TASK_ID = "{{ params.room_id }}-segment-{{ ds_nodash }}"

with DAG(
    dag_id="rtc_zego_show",
    description="Friday night show: ZEGO mix + ASR, Volcengine audio slicing, always stopped at the end",
    schedule=CronTriggerTimetable("0 20 * * 5", timezone="UTC"),
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["rtc", "zego", "volcengine", "tencent", "example"],
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
    wait_for_host = ZegoRoomStreamSensor(
        task_id="wait_for_host",
        room_id="{{ params.room_id }}",
        min_streams=1,
        deferrable=True,
        timeout=2 * 3600,
    )
    start_mix = StartAutoMixOperator(
        task_id="start_mix",
        room_id="{{ params.room_id }}",
        mix_task_id=MIX_TASK_ID,
        user_id="{{ params.host_user_id }}",
        mix_output=[{"StreamId": "{{ params.output_stream_id }}"}],
    )
    start_asr = StartASROperator(task_id="start_asr", room_id="{{ params.room_id }}", engine_model_type="16k_zh")
    start_segment = StartSegmentOperator(
        task_id="start_segment", room_id="{{ params.room_id }}", segment_task_id=SEGMENT_TASK_ID, max_idle_time=600
    )

    @task
    def on_air(params=None):
        import time

        time.sleep(int(params["show_seconds"]))

    show = on_air()
    # After the ad break the room's mixed picture comes back (Tencent live engine).
    resume_after_ad_break = ResumeMcuOperator(task_id="resume_after_ad_break", room_id="{{ params.room_id }}")

    stop_asr = StopASROperator(
        task_id="stop_asr", asr_task_id="{{ ti.xcom_pull(task_ids='start_asr')['data']['TaskId'] }}"
    )
    stop_mix = StopAutoMixOperator(
        task_id="stop_mix",
        mix_task_id=MIX_TASK_ID,
        room_id="{{ params.room_id }}",
        user_id="{{ params.host_user_id }}",
    )

    stop_segment = StopSegmentOperator(
        task_id="stop_segment", room_id="{{ params.room_id }}", segment_task_id=SEGMENT_TASK_ID
    )

    wait_for_host >> [start_mix, start_asr, start_segment] >> show >> resume_after_ad_break
    resume_after_ad_break >> [stop_segment, stop_asr, stop_mix]
    stop_segment.as_teardown(setups=start_segment)
    stop_asr.as_teardown(setups=start_asr)
    stop_mix.as_teardown(setups=start_mix)
