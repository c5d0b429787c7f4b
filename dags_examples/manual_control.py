"""One RTC vendor action by hand, from the Airflow UI's trigger form."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Callable

from airflow.sdk import DAG, Param, task

from airflow_provider_rtc.operators.tencent import (
    ResumeMcuOperator,
    TencentDestroyRoomOperator,
    TencentLiveApiOperator,
)
from airflow_provider_rtc.operators.volcengine import (
    StartRecordOperator,
    StartSegmentOperator,
    StopRecordOperator,
    StopSegmentOperator,
    VolcengineCloseRoomOperator,
    VolcengineRtcApiOperator,
)
from airflow_provider_rtc.operators.zego import (
    StartASROperator,
    StartAutoMixOperator,
    StopASROperator,
    StopAutoMixOperator,
    ZegoApiOperator,
    ZegoCloseRoomOperator,
)

DOC_MD = """
# Manual control: one RTC vendor action from a form

For the on-call engineer: **Trigger** this DAG, pick an **Action** (each action names its vendor,
so a vendor that does not offer the action cannot be chosen), fill in the fields that action
needs, and trigger. The default action, *ZEGO: show room status*, changes nothing and needs only
the room, so the form can be submitted as it opens.

| action | vendor call | needs |
|---|---|---|
| ZEGO: show room status | DescribeUserNum, DescribeSimpleStreamList (and GetMixTaskInfo if a mix task id is given) | room |
| ZEGO: start / stop the auto mix | StartAutoMix / StopAutoMix | room, mix task id, mix owner UserId (start: output stream id) |
| ZEGO: start / stop speech recognition | StartRealtimeASRTask / StopRealtimeASRTask | start: room; stop: ASR task id |
| ZEGO: close the room | CloseRoom | room |
| ZEGO: call any action | the action you name (`ZegoApiOperator`) | action name; its parameters as JSON |
| Volcengine: show room status | GetRoomOnlineUsers (and GetSegmentTask if a segment task id is given) | room |
| Volcengine: start / stop audio slicing | StartSegment / StopSegment | room, segment task id |
| Volcengine: start / stop cloud recording | StartRecord / StopRecord | room, recording task id |
| Volcengine: close the room | BanRoomUser | room |
| Volcengine: call any action | the action you name (`VolcengineRtcApiOperator`) | action name; its parameters as JSON |
| Tencent: show room status | get_room_info | room |
| Tencent: resume the mixed picture | resume_mcu_task | room |
| Tencent: close the room | destroy_room | room |
| Tencent: call any command | the command you name (`TencentLiveApiOperator`) | command name; its body as JSON |

- `choose_action` checks that the fields the action needs are filled in. If one is missing, the
  run fails there with **one line** naming the field. Nothing is sent to the vendor.
- Exactly one action task runs; the others show as *skipped*.
- `show_result` logs the vendor's answer and returns it as a single XCom, so it is one click away
  in the grid.
- Stops are idempotent: stopping something that has already stopped reports `already_stopped`.
- *Close the room* removes everyone from the room (ZEGO, Volcengine) or dissolves it (Tencent):
  the show is over for every viewer. A room that is already gone reports `already_closed`.
- *Call any action* reaches an action this form has no entry for. Give the vendor's action name
  (for example `DescribeUserNum`, `GetRoomOnlineUsers`, `get_room_info`) and its parameters as
  a JSON object. They go where the action takes them: the query of a GET, the body of a POST
  (the package's catalogue knows which; an action it does not know is sent as a POST). Catalogued
  actions are checked against their model before anything is sent. For Volcengine, `AppId` is
  taken from the connection's `app_id` extra when the JSON has none.

## Connections

`zego_default`, `volcengine_rtc_default` (extra `app_id`), `tencent_live_default`.

## Against the sandbox (no vendor account needed)

Start `python -m airflow_provider_rtc.sandbox --port 8900 --demo` and set the `AIRFLOW_CONN_*`
variables it prints. Then run `airflow dags test rtc_manual_control`, or pass another action with
`--conf '{"action": "zego.stop_mix", "mix_task_id": "..."}'`.

## Adding an action

Add one `Action(...)` entry to `ACTIONS` in this file: its key (`vendor.verb`), its title, the
fields it needs, and a function that builds its task. The form's dropdown, the check and the
branch all come from that entry.
"""


@dataclass(frozen=True)
class Action:
    """One entry of the form's Action dropdown: what it is called, what it needs, which task does it."""

    key: str  # "<vendor>.<verb>"; the vendor prefix is what makes an impossible combination unselectable
    title: str
    needs: tuple[str, ...]  # params that must be filled in (room_id is always needed)
    build: Callable[[str], object]  # task_id -> the task (operator or TaskFlow call) that performs it

    @property
    def task_id(self) -> str:
        return self.key.replace(".", "_")


# Field titles, used in the form and in the one-line refusal.
FIELDS = {
    "room_id": "Room id",
    "mix_task_id": "ZEGO mix task id",
    "user_id": "ZEGO mix owner UserId",
    "output_stream_id": "ZEGO mixed output stream id",
    "asr_task_id": "ZEGO ASR task id",
    "segment_task_id": "Volcengine segment task id",
    "record_task_id": "Volcengine recording task id",
    "api_action": "Action name (call any action)",
    "api_params": "Action parameters (JSON)",
}
ROOM = "{{ params.room_id }}"


def missing_fields(action: Action, params: dict) -> list[str]:
    """The fields ``action`` needs that are empty in ``params`` (None, "" or only spaces)."""
    return [name for name in ("room_id", *action.needs) if not str(params.get(name) or "").strip()]


def refusal(action_key: str, params: dict) -> str | None:
    """One readable line saying why this trigger cannot run, or None when it can."""
    action = ACTIONS.get(action_key)
    if action is None:
        return f"action {action_key!r} is not one of: {', '.join(ACTIONS)}"
    missing = missing_fields(action, params)
    if missing:
        names = ", ".join(f"{FIELDS[name]} ({name})" for name in missing)
        return f"'{action.title}' needs {names}: fill in the trigger form and trigger again; nothing was sent"
    return None


@task(multiple_outputs=False)
def zego_status(params=None) -> dict:
    from airflow_provider_rtc.conditions import ZegoMixTask, ZegoRoomStreams, ZegoRoomUsers, check_once

    room = params["room_id"]
    status = {"users": check_once(ZegoRoomUsers(room), "zego_default").value,
              "streams": check_once(ZegoRoomStreams(room), "zego_default").value}
    if (params.get("mix_task_id") or "").strip():
        status["mix_task"] = check_once(ZegoMixTask(params["mix_task_id"]), "zego_default").value
    return status


@task(multiple_outputs=False)
def volcengine_status(params=None) -> dict:
    from airflow_provider_rtc.conditions import VolcengineRoomUsers, VolcengineSegmentTask, check_once
    from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook

    app_id = VolcengineRtcHook().default_app_id()
    room = params["room_id"]
    status = {"users": check_once(VolcengineRoomUsers(app_id, room), "volcengine_rtc_default").value}
    if (params.get("segment_task_id") or "").strip():
        segment = VolcengineSegmentTask(app_id, room, params["segment_task_id"])
        status["segment_task"] = check_once(segment, "volcengine_rtc_default").value
    return status


@task(multiple_outputs=False)
def tencent_status(params=None) -> dict:
    from airflow_provider_rtc.conditions import TencentRoom, check_once

    return {"room": check_once(TencentRoom(params["room_id"]), "tencent_live_default").value}


def api_params_as(vendor: str, part: str, params: dict) -> str:
    """The form's JSON parameters as the generic operator's ``part`` ("query" or "body"), as JSON text.

    A GET action takes them in its query and a POST in its body (the catalogue says which; an action
    it does not know is a POST, as the generic operators send it). The other part gets "" (nothing).
    Volcengine's generic operator does not add AppId, so the connection's default is filled in.
    """
    import json

    from airflow_provider_rtc import catalogue

    action = str(params.get("api_action") or "").strip()
    entry = catalogue.find(vendor, action)
    wanted = "query" if entry is not None and entry.method == "GET" else "body"
    values = dict(params.get("api_params") or {})
    if part != wanted:
        return ""
    if vendor == "volcengine" and "AppId" not in values:
        from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook

        values["AppId"] = VolcengineRtcHook().default_app_id()
    return json.dumps(values) if values else ""


# Rendered on the worker when the task runs (a template), never at parse time.
API_ACTION = "{{ params.api_action | trim }}"


def _api_part(vendor: str, part: str) -> str:
    return f"{{{{ api_params_as({vendor!r}, {part!r}, params) }}}}"


_ACTIONS = (
    Action("zego.status", "ZEGO: show room status (changes nothing)", (),
           lambda task_id: zego_status.override(task_id=task_id)()),
    Action("zego.start_mix", "ZEGO: start the auto mix", ("mix_task_id", "user_id", "output_stream_id"),
           lambda task_id: StartAutoMixOperator(
               task_id=task_id, room_id=ROOM, mix_task_id="{{ params.mix_task_id }}", user_id="{{ params.user_id }}",
               mix_output=[{"StreamId": "{{ params.output_stream_id }}"}])),
    Action("zego.stop_mix", "ZEGO: stop the auto mix", ("mix_task_id", "user_id"),
           lambda task_id: StopAutoMixOperator(
               task_id=task_id, room_id=ROOM, mix_task_id="{{ params.mix_task_id }}", user_id="{{ params.user_id }}")),
    Action("zego.start_asr", "ZEGO: start speech recognition", (),
           lambda task_id: StartASROperator(task_id=task_id, room_id=ROOM)),
    Action("zego.stop_asr", "ZEGO: stop speech recognition", ("asr_task_id",),
           lambda task_id: StopASROperator(task_id=task_id, asr_task_id="{{ params.asr_task_id }}")),
    Action("zego.close_room", "ZEGO: close the room (removes everyone)", (),
           lambda task_id: ZegoCloseRoomOperator(task_id=task_id, room_id=ROOM)),
    Action("zego.call_api", "ZEGO: call any action by name (JSON parameters)", ("api_action",),
           lambda task_id: ZegoApiOperator(task_id=task_id, action=API_ACTION, query=_api_part("zego", "query"),
                                           body=_api_part("zego", "body"))),
    Action("volcengine.status", "Volcengine: show room status (changes nothing)", (),
           lambda task_id: volcengine_status.override(task_id=task_id)()),
    Action("volcengine.start_segment", "Volcengine: start audio slicing", ("segment_task_id",),
           lambda task_id: StartSegmentOperator(task_id=task_id, room_id=ROOM,
                                                segment_task_id="{{ params.segment_task_id }}")),
    Action("volcengine.stop_segment", "Volcengine: stop audio slicing", ("segment_task_id",),
           lambda task_id: StopSegmentOperator(task_id=task_id, room_id=ROOM,
                                               segment_task_id="{{ params.segment_task_id }}")),
    Action("volcengine.start_record", "Volcengine: start cloud recording", ("record_task_id",),
           lambda task_id: StartRecordOperator(task_id=task_id, room_id=ROOM,
                                               record_task_id="{{ params.record_task_id }}")),
    Action("volcengine.stop_record", "Volcengine: stop cloud recording", ("record_task_id",),
           lambda task_id: StopRecordOperator(task_id=task_id, room_id=ROOM,
                                              record_task_id="{{ params.record_task_id }}")),
    Action("volcengine.close_room", "Volcengine: close the room (removes everyone)", (),
           lambda task_id: VolcengineCloseRoomOperator(task_id=task_id, room_id=ROOM)),
    Action("volcengine.call_api", "Volcengine: call any action by name (JSON parameters)", ("api_action",),
           lambda task_id: VolcengineRtcApiOperator(task_id=task_id, action=API_ACTION,
                                                    query=_api_part("volcengine", "query"),
                                                    body=_api_part("volcengine", "body"))),
    Action("tencent.status", "Tencent: show room status (changes nothing)", (),
           lambda task_id: tencent_status.override(task_id=task_id)()),
    Action("tencent.resume_mix", "Tencent: resume the room's mixed picture", (),
           lambda task_id: ResumeMcuOperator(task_id=task_id, room_id=ROOM)),
    Action("tencent.close_room", "Tencent: close the room (dissolves it)", (),
           lambda task_id: TencentDestroyRoomOperator(task_id=task_id, room_id=ROOM)),
    Action("tencent.call_api", "Tencent: call any command by name (JSON body)", ("api_action",),
           lambda task_id: TencentLiveApiOperator(task_id=task_id, command=API_ACTION,
                                                  body=_api_part("tencent", "body"))),
)
ACTIONS = {action.key: action for action in _ACTIONS}


def _optional(title: str, description: str, max_length: int) -> Param:
    # type null-or-string: the trigger form does not require the field, and an emptied field is null.
    return Param(None, type=["null", "string"], maxLength=max_length, title=title, description=description)


with DAG(
    dag_id="rtc_manual_control",
    description="One RTC vendor action by hand (status, start/stop mix, ASR, slicing, recording, close room, "
                "any action by name), from a form",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    tags=["rtc", "zego", "volcengine", "tencent", "example", "manual"],
    params={
        "action": Param("zego.status", type="string", enum=list(ACTIONS), title="Action",
                        values_display={key: action.title for key, action in ACTIONS.items()},
                        description="What to do, and at which vendor. Each action lists the fields it needs in "
                                    "the DAG docs; a missing one stops the run before any request."),
        "room_id": Param("sandbox-room", type="string", minLength=1, maxLength=128, title=FIELDS["room_id"],
                         description="The room to act on or inspect (every action)."),
        "mix_task_id": _optional(FIELDS["mix_task_id"], "ZEGO start / stop mix; for ZEGO status: that task's "
                                 "state too.", 256),
        "user_id": Param("show-operator", type=["null", "string"], maxLength=64, title=FIELDS["user_id"],
                         description="ZEGO start / stop mix: the UserId that starts / started the mix."),
        "output_stream_id": Param("sandbox-room-mixed", type=["null", "string"], maxLength=256,
                                  title=FIELDS["output_stream_id"], description="ZEGO start mix."),
        "asr_task_id": _optional(FIELDS["asr_task_id"], "ZEGO stop speech recognition: the TaskId ZEGO returned "
                                 "at start.", 256),
        "segment_task_id": _optional(FIELDS["segment_task_id"], "Volcengine start / stop audio slicing; for "
                                     "Volcengine status: that task's state too.", 128),
        "record_task_id": _optional(FIELDS["record_task_id"], "Volcengine start / stop cloud recording: the "
                                    "recording's TaskId.", 128),
        "api_action": _optional(FIELDS["api_action"], "Call any action: the vendor's action (ZEGO, Volcengine) "
                                "or command (Tencent) name, e.g. DescribeUserNum, GetRoomOnlineUsers, "
                                "get_room_info.", 128),
        # null-or-object: the form shows a JSON editor, optional.
        "api_params": Param(None, type=["null", "object"], title=FIELDS["api_params"],
                            description='Call any action: its parameters as a JSON object, e.g. {"RoomId": '
                                        '"sandbox-room"}. Empty: none.'),
    },
    user_defined_macros={"api_params_as": api_params_as},
    doc_md=DOC_MD,
) as dag:

    @task.branch
    def choose_action(params=None) -> str:
        """The one task to run; a missing field stops the run here with one line, before any request."""
        import logging

        from airflow.sdk.exceptions import AirflowFailException

        reason = refusal(params["action"], params)
        if reason:
            logging.getLogger("airflow.task").error("Refused: %s", reason)
            raise AirflowFailException(reason)
        return ACTIONS[params["action"]].task_id

    @task(trigger_rule="none_failed_min_one_success", multiple_outputs=False)
    def show_result(params=None, ti=None) -> dict:
        """The chosen task's answer, logged and returned (one XCom) so it sits on this run's XCom tab."""
        import json

        action = ACTIONS[params["action"]]
        result = ti.xcom_pull(task_ids=action.task_id)
        print(f"{action.title} ({action.task_id}):\n{json.dumps(result, indent=2, ensure_ascii=False, default=str)}")
        return {"action": action.key, "task": action.task_id, "result": result}

    choose_action() >> [action.build(action.task_id) for action in ACTIONS.values()] >> show_result()
