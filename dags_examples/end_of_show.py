"""End of show: stop everything a show left running, every stop even if another fails."""

from __future__ import annotations

import datetime

from airflow.sdk import DAG, Param, task

from airflow_provider_rtc.operators.tencent import ResumeMcuOperator
from airflow_provider_rtc.operators.volcengine import StopSegmentOperator
from airflow_provider_rtc.operators.zego import StopASROperator, StopAutoMixOperator

DOC_MD = """
# End of show: stop everything a show left running

Use this for a show that was started elsewhere: by another DAG, in a console, or by a script.

| step | what it does | when |
|---|---|---|
| `stop_segment` | stops the Volcengine audio slicing | always |
| `stop_mix` | stops the ZEGO auto mix | always |
| `stop_asr` | stops the ZEGO realtime ASR task | when an ASR task id is given |
| `resume_tencent_mix` | resumes the Tencent room's mixed picture | when a Tencent room is given |

The stops do not depend on each other, so one failing never keeps another from running. Each stop
is idempotent: a task that has already ended counts as stopped.

`report` runs last, whatever happened before it. It logs and returns (as one XCom) what each step
found: `stopped`, `already_stopped`, `resumed`, `not_requested` or `failed`. If any step failed,
it fails the run.

## Connections

`zego_default` (type `zego`), `volcengine_rtc_default` (type `volcengine_rtc`, extra `app_id`),
`tencent_live_default` (type `tencent_live`).

## Against the sandbox (no vendor account needed)

Start `python -m airflow_provider_rtc.sandbox --port 8900 --demo`, set the `AIRFLOW_CONN_*` variables
it prints, then run `airflow dags test rtc_end_of_show`. With the default params nothing is running
in the sandbox, so every stop reports `already_stopped`.

## Params

The ids of what to stop. Leave the ASR task id or the Tencent room empty to skip that step.
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
        "tencent_room_id": Param(None, type=["null", "string"], maxLength=48, title="Tencent room id",
                                 description="Room whose mixed picture to resume; empty: not a Tencent show."),
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
        field = {"stop_asr": "asr_task_id", "resume_tencent_mix": "tencent_room_id"}.get(step)
        return field is None or bool((params.get(field) or "").strip())

    @task.short_circuit(ignore_downstream_trigger_rules=False)
    def asr_requested(params=None) -> bool:
        return requested(params, "stop_asr")

    @task.short_circuit(ignore_downstream_trigger_rules=False)
    def tencent_requested(params=None) -> bool:
        return requested(params, "resume_tencent_mix")

    stop_asr = StopASROperator(task_id="stop_asr", asr_task_id="{{ params.asr_task_id }}")
    resume_tencent_mix = ResumeMcuOperator(task_id="resume_tencent_mix", room_id="{{ params.tencent_room_id }}")
    asr_requested() >> stop_asr
    tencent_requested() >> resume_tencent_mix

    @task(trigger_rule="all_done", multiple_outputs=False)
    def report(params=None, ti=None) -> dict[str, str]:
        """What each step found; fails the run if any step failed (a requested step without a result)."""
        from airflow.sdk.exceptions import AirflowFailException

        outcome = {}
        for step in ("stop_segment", "stop_mix", "stop_asr", "resume_tencent_mix"):
            result = ti.xcom_pull(task_ids=step)
            if not requested(params, step):
                outcome[step] = "not_requested"
            elif result is None:
                outcome[step] = "failed"
            elif step == "resume_tencent_mix":
                outcome[step] = "resumed"
            else:
                outcome[step] = "already_stopped" if result.get("already_stopped") else "stopped"
        for step, found in outcome.items():
            print(f"{step:<20} {found}")
        failed = sorted(step for step, found in outcome.items() if found == "failed")
        if failed:
            raise AirflowFailException(f"these steps failed (see their logs): {', '.join(failed)}; outcome: {outcome}")
        return outcome

    [stop_segment, stop_mix, stop_asr, resume_tencent_mix] >> report()
