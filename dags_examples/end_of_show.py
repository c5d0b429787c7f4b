"""End of show: stop everything a show left running, every stop even if another fails."""

from __future__ import annotations

import datetime

from airflow.sdk import DAG, Param, task

from airflow_provider_rtc.operators.tencent import ResumeMcuOperator, TencentDestroyRoomOperator
from airflow_provider_rtc.operators.volcengine import (
    StopRecordOperator,
    StopSegmentOperator,
    VolcengineCloseRoomOperator,
)
from airflow_provider_rtc.operators.zego import StopASROperator, StopAutoMixOperator, ZegoCloseRoomOperator

DOC_MD = """
# End of show: stop everything a show left running

Use this for a show that was started elsewhere: by another DAG, in a console, or by a script.

| step | what it does | when |
|---|---|---|
| `stop_segment` | stops the Volcengine audio slicing | always |
| `stop_mix` | stops the ZEGO auto mix | always |
| `stop_asr` | stops the ZEGO realtime ASR task | when an ASR task id is given |
| `stop_record` | stops the Volcengine cloud recording | when a recording task id is given |
| `resume_tencent_mix` | resumes the Tencent room's mixed picture | when a Tencent room is given |
| `close_zego_room` | closes the ZEGO room: everyone is removed | when *Close the rooms* is ticked |
| `close_volcengine_room` | closes the Volcengine room (BanRoomUser): everyone is removed | when *Close the rooms* is ticked |
| `close_tencent_room` | dissolves the Tencent room | when *Close the rooms* is ticked and a Tencent room is given |

The stops do not depend on each other, so one failing never keeps another from running. Each stop
is idempotent: a task that has already ended counts as stopped. The rooms are closed only after
every stop has run (whatever its outcome), so the tasks end by their own stop, not by the room
going away; closing a room that is already gone counts as done (`already_closed`).

`report` runs last, whatever happened before it. It logs and returns (as one XCom) what each step
found: `stopped`, `already_stopped`, `resumed`, `closed`, `already_closed`, `not_requested` or
`failed`. If any step failed, it fails the run.

## Connections

`zego_default` (type `zego`), `volcengine_rtc_default` (type `volcengine_rtc`, extra `app_id`),
`tencent_live_default` (type `tencent_live`).

## Against the sandbox (no vendor account needed)

Start `python -m airflow_provider_rtc.sandbox --port 8900 --demo`, set the `AIRFLOW_CONN_*` variables
it prints, then run `airflow dags test rtc_end_of_show`. With the default params nothing is running
in the sandbox, so every stop reports `already_stopped`.

## Params

The ids of what to stop. Leave the ASR task id, the recording task id or the Tencent room empty to
skip that step. *Close the rooms* is off by default: a show that ends early may still have viewers.
"""

with DAG(
    dag_id="rtc_end_of_show",
    description="Stop a show's segment, ASR and mix tasks and resume the Tencent mix; report what was already stopped",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    tags=["rtc", "zego", "volcengine", "tencent", "example"],
    params={
        "room_id": Param("sandbox-room", type="string", minLength=1, maxLength=128, title="Room id",
                         description="The room the show ran in (ZEGO and Volcengine)."),
        "mix_task_id": Param("sandbox-room-mix", type="string", minLength=1, maxLength=256,
                             title="ZEGO mix task id", description="TaskId the auto mix was started with."),
        "mix_owner_user_id": Param("show-operator", type="string", minLength=1, maxLength=64,
                                   title="Mix owner UserId", description="UserId that started the mix."),
        # null-or-string: optional in the trigger form (a "string" param with an empty default is required).
        "asr_task_id": Param(None, type=["null", "string"], maxLength=256, title="ZEGO ASR task id",
                             description="TaskId ZEGO returned when the ASR started; empty: no ASR to stop."),
        "segment_task_id": Param("sandbox-room-segment", type="string", minLength=1, maxLength=128,
                                 title="Volcengine segment task id"),
        "record_task_id": Param(None, type=["null", "string"], maxLength=128, title="Volcengine recording task id",
                                description="TaskId of the cloud recording; empty: no recording to stop."),
        "tencent_room_id": Param(None, type=["null", "string"], maxLength=48, title="Tencent room id",
                                 description="Room whose mixed picture to resume (and to dissolve when closing the "
                                             "rooms); empty: not a Tencent show."),
        "close_rooms": Param(False, type="boolean", title="Close the rooms",
                             description="After the stops, remove everyone from the ZEGO and Volcengine room and "
                                         "dissolve the Tencent room (if given). Off: the rooms stay open."),
    },
    doc_md=DOC_MD,
) as dag:
    stop_segment = StopSegmentOperator(
        task_id="stop_segment", room_id="{{ params.room_id }}", segment_task_id="{{ params.segment_task_id }}"
    )
    stop_mix = StopAutoMixOperator(
        task_id="stop_mix",
        mix_task_id="{{ params.mix_task_id }}",
        room_id="{{ params.room_id }}",
        user_id="{{ params.mix_owner_user_id }}",
    )

    # A step that was not asked for is skipped (grey in the grid), not failed.
    def requested(params: dict, step: str) -> bool:
        if step.startswith("close_") and not params.get("close_rooms"):
            return False
        field = {"stop_asr": "asr_task_id", "stop_record": "record_task_id", "resume_tencent_mix": "tencent_room_id",
                 "close_tencent_room": "tencent_room_id"}.get(step)
        return field is None or bool((params.get(field) or "").strip())

    def only_if_requested(step: str, trigger_rule: str = "all_success"):
        @task.short_circuit(task_id=f"{step}_requested", ignore_downstream_trigger_rules=False,
                            trigger_rule=trigger_rule)
        def check(params=None) -> bool:
            return requested(params, step)

        return check()

    stop_asr = StopASROperator(task_id="stop_asr", asr_task_id="{{ params.asr_task_id }}")
    stop_record = StopRecordOperator(task_id="stop_record", room_id="{{ params.room_id }}",
                                     record_task_id="{{ params.record_task_id }}")
    resume_tencent_mix = ResumeMcuOperator(task_id="resume_tencent_mix", room_id="{{ params.tencent_room_id }}")
    only_if_requested("stop_asr") >> stop_asr
    only_if_requested("stop_record") >> stop_record
    only_if_requested("resume_tencent_mix") >> resume_tencent_mix
    stops = [stop_segment, stop_mix, stop_asr, stop_record, resume_tencent_mix]

    close_zego_room = ZegoCloseRoomOperator(task_id="close_zego_room", room_id="{{ params.room_id }}")
    close_volcengine_room = VolcengineCloseRoomOperator(task_id="close_volcengine_room", room_id="{{ params.room_id }}")
    close_tencent_room = TencentDestroyRoomOperator(task_id="close_tencent_room", room_id="{{ params.tencent_room_id }}")
    closes = [close_zego_room, close_volcengine_room, close_tencent_room]
    for close in closes:
        # The gate waits for every stop, whatever its outcome ("all_done"): rooms close last.
        stops >> only_if_requested(close.task_id, trigger_rule="all_done") >> close

    @task(trigger_rule="all_done", multiple_outputs=False)
    def report(params=None, ti=None) -> dict[str, str]:
        """What each step found; fails the run if any step failed (a requested step without a result)."""
        from airflow.sdk.exceptions import AirflowFailException

        outcome = {}
        for step in (*(t.task_id for t in stops), *(t.task_id for t in closes)):
            result = ti.xcom_pull(task_ids=step)
            if not requested(params, step):
                outcome[step] = "not_requested"
            elif result is None:
                outcome[step] = "failed"
            elif step == "resume_tencent_mix":
                outcome[step] = "resumed"
            elif step.startswith("close_"):
                outcome[step] = "already_closed" if result.get("already_closed") else "closed"
            else:
                outcome[step] = "already_stopped" if result.get("already_stopped") else "stopped"
        for step, found in outcome.items():
            print(f"{step:<22} {found}")
        failed = sorted(step for step, found in outcome.items() if found == "failed")
        if failed:
            raise AirflowFailException(f"these steps failed (see their logs): {', '.join(failed)}; outcome: {outcome}")
        return outcome

    [*stops, *closes] >> report()
