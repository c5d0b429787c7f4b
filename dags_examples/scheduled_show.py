"""A scheduled live show: wait for the host, start mix, ASR and slicing, stop them all, report the outcome."""

from __future__ import annotations

from airflow.sdk import DAG, Param, task

from airflow_provider_rtc.operators.volcengine import StartSegmentOperator, StopSegmentOperator
from airflow_provider_rtc.operators.zego import (
    StartASROperator,
    StartAutoMixOperator,
    StopASROperator,
    StopAutoMixOperator,
)
from airflow_provider_rtc.sensors.zego import ZegoRoomStreamSensor, ZegoRoomUsersSensor
from airflow_provider_rtc.timetables import ZonedCronTriggerTimetable

SHOW_TIMEZONE = "UTC"  # ZonedCronTriggerTimetable shows it in the Schedule column ("0 20 * * 5 UTC")

DOC_MD = f"""
# Scheduled live show

Every **Friday at 20:00 {SHOW_TIMEZONE}** (`ZonedCronTriggerTimetable("0 20 * * 5", timezone="{SHOW_TIMEZONE}")`,
Airflow's `CronTriggerTimetable` with the timezone shown in the Schedule column; change `schedule`
for your show):

1. `wait_for_host` waits until the host's stream is live in the ZEGO room (deferrable: the wait
   holds no worker slot; gives up after 2 hours).
2. `start_mix` (ZEGO StartAutoMix), `start_asr` (ZEGO realtime ASR) and `start_segment`
   (Volcengine audio slicing) start, as Airflow *setup* tasks.
3. `wait_for_show_end` waits until the room empties or the show's end time
   (`run_after + params.show_seconds`), whichever comes first (deferrable).
4. `stop_segment`, `stop_asr` and `stop_mix` are the *teardowns* of their starts. Airflow runs them
   even when something between start and stop fails, or when someone marks the run as failed,
   so no vendor task is left running and billing. Stops are idempotent: a task that has already
   ended counts as stopped.
5. `show_outcome` runs after the stops. It logs one line with the state of every step, and it
   fails if any step failed, was marked failed, or never ran because something before it failed.

## What the run's colour means

| the show | the run |
|---|---|
| host went live, everything started and stopped | **success** |
| the host never went live (`wait_for_host` timed out) | **failed**; nothing was started, so nothing needed stopping |
| a start or a stop failed | **failed**; the other stops still ran |
| someone chose *Mark run as failed* mid-show | **failed**, once the stops have run |

The run's state comes from its last non-teardown steps (`wait_for_show_end`) and from
`show_outcome`. The stops do not decide it themselves (`on_failure_fail_dagrun=False`):
`show_outcome` reports their failures instead.

## Connections

- `zego_default` (type `zego`): login = AppId, password = ServerSecret (extra `asr_host` if ASR runs
  elsewhere).
- `volcengine_rtc_default` (type `volcengine_rtc`): AccessKeyId / SecretAccessKey, extra `app_id`.

## Against the sandbox (no vendor account needed)

`make demo` runs this DAG against the loopback sandbox. To do it by hand, start
`python -m airflow_provider_rtc.sandbox --port 8900 --demo` and set the `AIRFLOW_CONN_*` variables it
prints.

## Params

Room, mix owner, output stream and the show's length. `show_seconds` defaults to 30 s, so the demo
ends quickly but still long enough to see the deferred wait. Set it to your show's length.

## Links

`start_mix` has extra links **Mix playback (HLS)** and **Mix playback (FLV)**: the CDN playback
URLs ZEGO returned for the mixed stream, shown on the task instance once it has run. The RTMP address
is in its XCom (Airflow's UI shows only http(s) links).
"""

# One mix and one segment task per run; run_after exists for scheduled and manual runs alike.
RUN_STAMP = "{{ dag_run.run_after.strftime('%Y%m%dT%H%M%S') }}"
MIX_TASK_ID = "{{ params.room_id }}-mix-" + RUN_STAMP
SEGMENT_TASK_ID = "{{ params.room_id }}-segment-" + RUN_STAMP
SHOW_END = "{{ (dag_run.run_after + macros.timedelta(seconds=params.show_seconds)).isoformat() }}"

with DAG(
    dag_id="rtc_scheduled_show",
    description=f"Weekly live show, Fridays 20:00 {SHOW_TIMEZONE}: ZEGO mix + ASR and Volcengine audio slicing, "
    "always stopped at the end",
    # No start_date on purpose: the first run is the next Friday 20:00 after the DAG is unpaused.
    # With a start_date in the past, unpausing would start last Friday's show at once.
    schedule=ZonedCronTriggerTimetable("0 20 * * 5", timezone=SHOW_TIMEZONE, run_immediately=False),
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
    doc_md=DOC_MD,
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

    @task(multiple_outputs=False)
    def show_outcome(dag_run=None, ti=None) -> dict:
        """One line with every step's state; fails if any step failed, so the run's colour tells the truth."""
        from airflow.sdk.exceptions import AirflowFailException

        found = ti.get_task_states(dag_id=dag_run.dag_id, run_ids=[dag_run.run_id])
        states = {task_id: state for task_id, state in found.get(dag_run.run_id, found).items()
                  if task_id != ti.task_id}
        summary = ", ".join(f"{task_id} {state}" for task_id, state in sorted(states.items()))
        failed = sorted(task_id for task_id, state in states.items() if state in ("failed", "upstream_failed"))
        if failed:
            raise AirflowFailException(f"The show did not complete: {', '.join(failed)} failed. All steps: {summary}")
        print(f"The show completed. All steps: {summary}")
        return states

    outcome = show_outcome()
    wait_for_host >> [start_mix, start_asr, start_segment] >> wait_for_show_end >> [stop_segment, stop_asr, stop_mix]
    # The stops do not decide the run's state themselves; show_outcome (a teardown too, so that neither a
    # failure nor "Mark run as failed" skips it) reports their failures. wait_for_show_end stays a leaf for
    # Airflow's run state because its only downstream tasks are these teardowns: a failed or marked-failed
    # wait, or a host that never came (upstream_failed), makes the run fail.
    stop_segment.as_teardown(setups=start_segment)
    stop_asr.as_teardown(setups=start_asr)
    stop_mix.as_teardown(setups=start_mix)
    [stop_segment, stop_asr, stop_mix] >> outcome.as_teardown(setups=[start_mix, start_asr, start_segment],
                                                               on_failure_fail_dagrun=True)
