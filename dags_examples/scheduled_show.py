"""A scheduled live show: wait for the host, start the mix, speech recognition and audio slicing, stop them all.

What it does
    Every Friday at 20:00 UTC (``CronTriggerTimetable``; change ``schedule`` for your show):

    1. ``wait_for_host`` waits until the host's stream is live in the ZEGO room (deferrable: the
       wait holds no worker slot).
    2. ``start_mix`` (ZEGO StartAutoMix), ``start_asr`` (ZEGO realtime ASR) and ``start_segment``
       (Volcengine audio slicing) start, as Airflow *setup* tasks.
    3. ``wait_for_show_end`` waits until the room empties or the show's end time
       (``run_after + params.show_seconds``), whichever comes first (deferrable).
    4. ``stop_segment``, ``stop_asr`` and ``stop_mix`` run as the *teardowns* of their starts:
       Airflow runs them even when something between start and stop fails, so no vendor task is
       left running and billing. Stops are idempotent (a task that already ended counts as
       stopped), and a failed stop still fails the DAG run (``on_failure_fail_dagrun``).

Connections
    ``zego_default`` (type ``zego``): login = AppId, password = ServerSecret (extra ``asr_host``
    if ASR runs elsewhere). ``volcengine_rtc_default`` (type ``volcengine_rtc``): AccessKeyId /
    SecretAccessKey, extra ``app_id``.

Against the sandbox (no vendor account needed)
    ``make demo`` runs this DAG against the loopback sandbox. By hand: start
    ``python -m airflow_provider_rtc.sandbox --port 8900 --demo`` and set the ``AIRFLOW_CONN_*``
    variables it prints (``airflow_provider_rtc.sandbox.credentials.airflow_connections(url)``).

Params
    Room, mix owner, output stream and the show's length. ``show_seconds`` defaults to 30 s so
    the demo ends quickly (long enough to see the deferred wait): set it to your show's length.
"""

from __future__ import annotations

from airflow.sdk import DAG, Param
from airflow.timetables.trigger import CronTriggerTimetable

from airflow_provider_rtc.operators.volcengine import StartSegmentOperator, StopSegmentOperator
from airflow_provider_rtc.operators.zego import (
    StartASROperator,
    StartAutoMixOperator,
    StopASROperator,
    StopAutoMixOperator,
)
from airflow_provider_rtc.sensors.zego import ZegoRoomStreamSensor, ZegoRoomUsersSensor

# One mix and one segment task per run; run_after exists for scheduled and manual runs alike.
RUN_STAMP = "{{ dag_run.run_after.strftime('%Y%m%dT%H%M%S') }}"
MIX_TASK_ID = "{{ params.room_id }}-mix-" + RUN_STAMP
SEGMENT_TASK_ID = "{{ params.room_id }}-segment-" + RUN_STAMP
SHOW_END = "{{ (dag_run.run_after + macros.timedelta(seconds=params.show_seconds)).isoformat() }}"

with DAG(
    dag_id="rtc_scheduled_show",
    description="Weekly live show: ZEGO mix + ASR and Volcengine audio slicing, always stopped at the end",
    # No start_date on purpose: the first run is the next Friday 20:00 after the DAG is unpaused.
    # With a start_date in the past, unpausing would start last Friday's show at once.
    schedule=CronTriggerTimetable("0 20 * * 5", timezone="UTC", run_immediately=False),
    catchup=False,
    max_active_runs=1,
    tags=["rtc", "zego", "volcengine", "example"],
    params={
        "room_id": Param("sandbox-room", type="string", minLength=1, maxLength=128, title="Room id",
                         description="The ZEGO room the show runs in."),
        "host_user_id": Param("show-operator", type="string", minLength=1, maxLength=64, title="Mix owner UserId",
                              description="UserId that owns the mix task; the same one must stop it."),
        "output_stream_id": Param("sandbox-room-mixed", type="string", pattern="^[A-Za-z0-9_-]{1,256}$",
                                  title="Mixed output stream id",
                                  description="Stream id the mixed picture is published under."),
        "show_seconds": Param(30, type="integer", minimum=0, maximum=12 * 3600, title="Show length (seconds)",
                              description="The show ends this long after the run starts, or earlier if the "
                                          "room empties."),
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
    wait_for_show_end = ZegoRoomUsersSensor(
        task_id="wait_for_show_end",
        room_id="{{ params.room_id }}",
        until="empty",
        succeed_at=SHOW_END,
        poke_interval=10,
        deferrable=True,
        timeout=13 * 3600,
    )
    stop_segment = StopSegmentOperator(
        task_id="stop_segment", room_id="{{ params.room_id }}", segment_task_id=SEGMENT_TASK_ID
    )
    stop_asr = StopASROperator(
        task_id="stop_asr", asr_task_id="{{ ti.xcom_pull(task_ids='start_asr')['data']['TaskId'] }}"
    )
    stop_mix = StopAutoMixOperator(
        task_id="stop_mix",
        mix_task_id=MIX_TASK_ID,
        room_id="{{ params.room_id }}",
        user_id="{{ params.host_user_id }}",
    )

    wait_for_host >> [start_mix, start_asr, start_segment] >> wait_for_show_end >> [stop_segment, stop_asr, stop_mix]
    stop_segment.as_teardown(setups=start_segment, on_failure_fail_dagrun=True)
    stop_asr.as_teardown(setups=start_asr, on_failure_fail_dagrun=True)
    stop_mix.as_teardown(setups=start_mix, on_failure_fail_dagrun=True)
