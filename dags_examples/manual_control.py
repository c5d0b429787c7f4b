"""Manual control: one vendor action from the Airflow UI's trigger form, for the on-call engineer at 2 a.m.

What it does
    Trigger it with *Trigger DAG* in the UI: the form asks for the vendor, the action (a
    dropdown), the room and the task ids. ``choose_action`` checks that the vendor offers the
    action (a clear error naming the fields otherwise, before anything is sent) and runs exactly
    one task; the others show as skipped. ``show_result`` logs the vendor's answer and returns it
    (the run's XCom), so the result is one click away in the grid.

    ======================  ===========================================================
    vendor                  actions
    ======================  ===========================================================
    ZEGO (``zego``)         status (room users, live streams, the mix task if given),
                            start_mix, stop_mix, start_asr, stop_asr
    Volcengine              status (room users, the segment task if given),
                            start_segment, stop_segment
    Tencent (``tencent``)   status (does the room exist), resume_mix
    ======================  ===========================================================

    Stops are idempotent (stopping something already stopped reports ``already_stopped``). The
    default action is ``status``, which changes nothing.

Connections
    ``zego_default``, ``volcengine_rtc_default`` (extra ``app_id``), ``tencent_live_default``.

Against the sandbox (no vendor account needed)
    Start ``python -m airflow_provider_rtc.sandbox --port 8900 --demo``, set the ``AIRFLOW_CONN_*``
    variables it prints, then ``airflow dags test rtc_manual_control`` (or with
    ``--conf '{"action": "stop_mix", "mix_task_id": "..."}'``).
"""

from __future__ import annotations

import datetime

from airflow.sdk import DAG, Param, task

from airflow_provider_rtc.operators.tencent import ResumeMcuOperator
from airflow_provider_rtc.operators.volcengine import StartSegmentOperator, StopSegmentOperator
from airflow_provider_rtc.operators.zego import (
    StartASROperator,
    StartAutoMixOperator,
    StopASROperator,
    StopAutoMixOperator,
)

# What each vendor offers: action -> the task that performs it.
ACTIONS = {
    "zego": {"status": "zego_status", "start_mix": "zego_start_mix", "stop_mix": "zego_stop_mix",
             "start_asr": "zego_start_asr", "stop_asr": "zego_stop_asr"},
    "volcengine": {"status": "volcengine_status", "start_segment": "volcengine_start_segment",
                   "stop_segment": "volcengine_stop_segment"},
    "tencent": {"status": "tencent_status", "resume_mix": "tencent_resume_mix"},
}
ACTION_TITLES = {
    "status": "Show status (changes nothing)",
    "start_mix": "Start the auto mix (ZEGO)",
    "stop_mix": "Stop the auto mix (ZEGO)",
    "start_asr": "Start speech recognition (ZEGO)",
    "stop_asr": "Stop speech recognition (ZEGO)",
    "start_segment": "Start audio slicing (Volcengine)",
    "stop_segment": "Stop audio slicing (Volcengine)",
    "resume_mix": "Resume the room's mixed picture (Tencent)",
}



def action_task_id(vendor: str, action: str) -> str:
    """The task that performs ``action`` on ``vendor``; a clear error naming the field otherwise."""
    offered = ACTIONS.get(vendor)
    if offered is None:
        raise ValueError(f"vendor: {vendor!r} is not one of {', '.join(ACTIONS)}")
    if action not in offered:
        raise ValueError(f"action: {vendor} offers {', '.join(offered)}; {action!r} is not one of them")
    return offered[action]


with DAG(
    dag_id="rtc_manual_control",
    description="One RTC vendor action by hand (status, start/stop mix, ASR, segment, resume mix), from a form",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    tags=["rtc", "zego", "volcengine", "tencent", "example", "manual"],
    params={
        "vendor": Param("zego", type="string", enum=list(ACTIONS), title="Vendor",
                        values_display={"zego": "ZEGO", "volcengine": "Volcengine / BytePlus",
                                        "tencent": "Tencent Cloud live engine"},
                        description="Whose API the action goes to."),
        "action": Param("status", type="string", enum=list(ACTION_TITLES), title="Action",
                        values_display=ACTION_TITLES,
                        description="What to do. The vendor must offer it: mix and ASR are ZEGO, segment is "
                                    "Volcengine, resume_mix is Tencent; status works for all."),
        "room_id": Param("sandbox-room", type="string", minLength=1, maxLength=128, title="Room id",
                         description="The room to act on or inspect."),
        "mix_task_id": Param("", type="string", maxLength=256, title="ZEGO mix task id",
                             description="For start_mix / stop_mix (and status: that task's state)."),
        "user_id": Param("show-operator", type="string", maxLength=64, title="ZEGO mix owner UserId",
                         description="UserId that starts / started the mix."),
        "output_stream_id": Param("sandbox-room-mixed", type="string", maxLength=256,
                                  title="ZEGO mixed output stream id", description="For start_mix."),
        "asr_task_id": Param("", type="string", maxLength=256, title="ZEGO ASR task id",
                             description="For stop_asr: the TaskId ZEGO returned at start."),
        "segment_task_id": Param("", type="string", maxLength=128, title="Volcengine segment task id",
                                 description="For start_segment / stop_segment (and status)."),
    },
    doc_md=__doc__,
) as dag:

    @task.branch
    def choose_action(params=None) -> str:
        """The one task to run; an action the vendor does not offer fails here, before any request."""
        return action_task_id(params["vendor"], params["action"])

    @task
    def zego_status(params=None) -> dict:
        from airflow_provider_rtc.conditions import ZegoMixTask, ZegoRoomStreams, ZegoRoomUsers, check_once

        room = params["room_id"]
        status = {"users": check_once(ZegoRoomUsers(room), "zego_default").value,
                  "streams": check_once(ZegoRoomStreams(room), "zego_default").value}
        if params["mix_task_id"]:
            status["mix_task"] = check_once(ZegoMixTask(params["mix_task_id"]), "zego_default").value
        return status

    @task
    def volcengine_status(params=None) -> dict:
        from airflow_provider_rtc.conditions import VolcengineRoomUsers, VolcengineSegmentTask, check_once
        from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook

        app_id = VolcengineRtcHook().default_app_id()
        room = params["room_id"]
        status = {"users": check_once(VolcengineRoomUsers(app_id, room), "volcengine_rtc_default").value}
        if params["segment_task_id"]:
            segment = VolcengineSegmentTask(app_id, room, params["segment_task_id"])
            status["segment_task"] = check_once(segment, "volcengine_rtc_default").value
        return status

    @task
    def tencent_status(params=None) -> dict:
        from airflow_provider_rtc.conditions import TencentRoom, check_once

        return {"room": check_once(TencentRoom(params["room_id"]), "tencent_live_default").value}

    actions = [
        zego_status(),
        StartAutoMixOperator(task_id="zego_start_mix", room_id="{{ params.room_id }}",
                             mix_task_id="{{ params.mix_task_id }}", user_id="{{ params.user_id }}",
                             mix_output=[{"StreamId": "{{ params.output_stream_id }}"}]),
        StopAutoMixOperator(task_id="zego_stop_mix", room_id="{{ params.room_id }}",
                            mix_task_id="{{ params.mix_task_id }}", user_id="{{ params.user_id }}"),
        StartASROperator(task_id="zego_start_asr", room_id="{{ params.room_id }}"),
        StopASROperator(task_id="zego_stop_asr", asr_task_id="{{ params.asr_task_id }}"),
        volcengine_status(),
        StartSegmentOperator(task_id="volcengine_start_segment", room_id="{{ params.room_id }}",
                             segment_task_id="{{ params.segment_task_id }}"),
        StopSegmentOperator(task_id="volcengine_stop_segment", room_id="{{ params.room_id }}",
                            segment_task_id="{{ params.segment_task_id }}"),
        tencent_status(),
        ResumeMcuOperator(task_id="tencent_resume_mix", room_id="{{ params.room_id }}"),
    ]

    @task(trigger_rule="none_failed_min_one_success")
    def show_result(params=None, ti=None) -> dict:
        """The chosen task's answer, logged and returned so it sits on this run's XCom tab."""
        import json

        chosen = action_task_id(params["vendor"], params["action"])
        result = ti.xcom_pull(task_ids=chosen)
        print(f"{chosen}:\n{json.dumps(result, indent=2, ensure_ascii=False, default=str)}")
        return {"task": chosen, "result": result}

    choose_action() >> actions >> show_result()
