"""What a sensor waits for, as plain data that both the sync sensor and the async trigger evaluate.

A condition names the catalogue action that observes the state (``action``) and its arguments
(``request``), and knows how to read the answer (``evaluate``); it holds only plain arguments, so
it serializes into trigger kwargs with no secret. Its polling floor comes from the catalogue's
per-resource rate limit.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, ClassVar

from airflow_provider_rtc import catalogue
from airflow_provider_rtc.errors import ErrorKind, RtcApiError
from airflow_provider_rtc.hooks.calls import ApiResult
from airflow_provider_rtc.logtext import summarize

HOOK_CLASSES = {
    "zego": "airflow_provider_rtc.hooks.zego.ZegoHook",
    "volcengine": "airflow_provider_rtc.hooks.volcengine.VolcengineRtcHook",
    "tencent": "airflow_provider_rtc.hooks.tencent.TencentLiveHook",
}


@dataclass(frozen=True)
class Outcome:
    done: bool
    value: Any = None  # what the final check saw: the sensor's XCom value
    failure: str | None = None  # the watched thing failed for good: fail the sensor at once

    def summary(self) -> str:
        """One short line of what was observed, for logs (ids and counts, never secrets)."""
        return summarize(self.value)


class WrongShape(Exception):
    """A part of the vendor's ``Data`` / ``Result`` is not the kind the condition reads (e.g.
    ZEGO's ``StreamList`` as text). Raised by the readers below, turned into an unreadable-answer
    error by :func:`check_once` / :func:`check_once_async`, never seen by callers."""


def part(value: Any, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
    """``value[key]`` when it is a ``kind``; ``default`` when absent or null; else WrongShape.
    ``value`` itself must be an object (or absent: a missing ``Data`` reads as empty)."""
    if value is None:
        return default
    if not isinstance(value, dict):
        raise WrongShape(f"expected an object holding {key}, got {type(value).__name__}")
    found = value.get(key)
    if found is None:
        return default
    if not isinstance(found, kind) or isinstance(found, bool) and kind is not bool:
        wanted = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise WrongShape(f"{key} is {type(found).__name__}, not {wanted}")
    return found


def objects(value: Any, key: str) -> list[dict]:
    """``value[key]`` as a list of objects (absent: empty)."""
    items = part(value, key, list, [])
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            raise WrongShape(f"{key}[{position}] is {type(item).__name__}, not an object")
    return items


def whole(value: Any, key: str) -> int:
    """``value[key]`` as a whole number, given as a number or decimal text (absent: 0)."""
    found = part(value, key, (int, str), 0)
    if isinstance(found, str):
        if not re.fullmatch(r"-?[0-9]{1,18}", found.strip()):
            raise WrongShape(f"{key} is text that is not a whole number")
        return int(found.strip())
    return found


def scalar(value: Any, key: str) -> Any:
    """``value[key]`` when it is a plain value (text, number, bool or null), else WrongShape."""
    found = value.get(key) if isinstance(value, dict) else None
    if found is not None and not isinstance(found, (str, int, float, bool)):
        raise WrongShape(f"{key} is {type(found).__name__}, not a plain value")
    return found


def _unreadable(condition: "Condition", shape: WrongShape) -> RtcApiError:
    """The error the interpreter raises for an answer it cannot read: a retryable transport error."""
    from airflow_provider_rtc.hooks.answers import transport_error

    return transport_error(catalogue.answer_format(condition.vendor).vendor, condition.action,
                           f"unreadable answer: {shape}", may_have_executed=False)


class Condition:
    kind: ClassVar[str]
    vendor: ClassVar[str]  # the catalogue's vendor
    action: ClassVar[str]  # the catalogue action that observes the state
    hook_class: ClassVar[str]  # dotted path, imported on use

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "action" in cls.__dict__:
            catalogue.get(cls.vendor, cls.action)  # a condition must name a catalogued action
            cls.hook_class = HOOK_CLASSES[cls.vendor]

    @classmethod
    def resource_interval(cls) -> float:
        """The vendor's minimum seconds between two polls of one resource (0: none documented).

        Read from the catalogue on each use, the one place the number lives: the sensor's
        ``poke_interval`` floor, the trigger's first-poll wait and the rate governor all read it.
        """
        return catalogue.get(cls.vendor, cls.action).limit.per_resource_interval or 0.0

    def request(self) -> dict[str, Any]:
        """``query=`` / ``body=`` of the observing call, with the vendor's field names."""
        raise NotImplementedError

    def evaluate(self, result: ApiResult) -> Outcome:
        raise NotImplementedError

    def evaluate_error(self, error: RtcApiError) -> Outcome | None:
        """An error answer that is itself an observation (e.g. "task does not exist"), else None."""
        return None

    def describe(self) -> str:
        """What is awaited, for log lines."""
        fields = ", ".join(f"{key}={value}" for key, value in asdict(self).items())  # type: ignore[call-overload]
        return f"{catalogue.answer_format(self.vendor).vendor} {self.action} ({fields})"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **asdict(self)}  # type: ignore[call-overload]

    def check_fields(self, fields: dict[str, tuple[str, Any]]) -> None:
        """Check ``{VendorField: (argument, value)}`` with the action's request model (the operators'
        limits), naming the sensor argument in errors."""
        from airflow_provider_rtc.models.base import build_request

        model = catalogue.get(self.vendor, self.action).request_model()
        assert model is not None
        build_request(model, {field: value for field, (_, value) in fields.items()},
                      argument_names={field: argument for field, (argument, _) in fields.items()})


_REGISTRY: dict[str, type[Condition]] = {}


def register(cls: type[Condition]) -> type[Condition]:
    _REGISTRY[cls.kind] = cls
    return cls


def from_dict(document: dict[str, Any]) -> Condition:
    document = dict(document)
    return _REGISTRY[document.pop("kind")](**document)


def hook_class(condition: Condition):
    import importlib

    module, _, name = condition.hook_class.rpartition(".")
    return getattr(importlib.import_module(module), name)


def check_once(condition: Condition, conn_id: str, **hook_overrides: Any) -> Outcome:
    """Observe ``condition`` once through the sync hook; an error that is an observation counts."""
    with hook_class(condition)(conn_id, **hook_overrides) as hook:
        try:
            return condition.evaluate(hook.call(condition.action, **condition.request()))
        except WrongShape as shape:
            raise _unreadable(condition, shape) from None
        except RtcApiError as error:
            observed = condition.evaluate_error(error)
            if observed is None:
                raise
            return observed


async def check_once_async(condition: Condition, hook, client) -> Outcome:
    """The async twin of :func:`check_once` (the trigger's poll)."""
    try:
        return condition.evaluate(await hook.acall(client, condition.action, **condition.request()))
    except WrongShape as shape:
        raise _unreadable(condition, shape) from None
    except RtcApiError as error:
        observed = condition.evaluate_error(error)
        if observed is None:
            raise
        return observed


def is_transient(error: RtcApiError) -> bool:
    """Errors a poller waits out (network, 5xx, throttling) rather than failing on."""
    return error.kind is ErrorKind.RETRYABLE


def succeed_at_value(deadline: datetime) -> dict[str, Any]:
    """The XCom value of a sensor that stopped waiting because ``succeed_at`` was reached."""
    return {"succeed_at_reached": True, "succeed_at": deadline.isoformat()}


# -- argument checks: every condition checks its plain arguments when built, i.e. in the sensor
# before any connection is read (and again, harmlessly, on the triggerer). The field names are the
# sensors' argument names, so an error names what the DAG author wrote.


def _set(condition: Condition, name: str, value: Any) -> None:
    object.__setattr__(condition, name, value)  # frozen dataclass: store the normalised value


def _until(condition: Condition, choices: tuple[str, ...]) -> None:
    from airflow_provider_rtc import arguments

    arguments.choice("until", condition.until, choices)  # type: ignore[attr-defined]


# A count of users or streams: at least one (0 would be met at once), and a 32-bit int like the
# vendors' counts, so an absurd value fails here instead of waiting forever.
MAX_COUNT = 2**31 - 1


def _count(condition: Condition, name: str) -> None:
    from airflow_provider_rtc import arguments
    from airflow_provider_rtc.errors import RtcValidationError

    value = getattr(condition, name)
    if value is None:  # unlike the operators' optional limits, a count has no "not given"
        raise RtcValidationError(name, f"must be a whole number between 1 and {MAX_COUNT}")
    _set(condition, name, arguments.count(name, value, minimum=1, maximum=MAX_COUNT))


def _id_list(name: str, value: Any, pattern: str, what: str, *, required: bool = False,
             maximum: int | None = None) -> list[str] | None:
    from airflow_provider_rtc.errors import RtcValidationError

    if value is None or (isinstance(value, (list, tuple)) and not value):
        if required:
            raise RtcValidationError(name, f"must list at least one {what}")
        return None
    # A string is refused rather than split into characters (a template that rendered to text).
    if not isinstance(value, (list, tuple)):
        raise RtcValidationError(name, f"must be a list of {what}s, not {type(value).__name__}")
    if maximum is not None and len(value) > maximum:
        raise RtcValidationError(name, f"must list at most {maximum} {what}s, got {len(value)}")
    for position, item in enumerate(value):
        if not isinstance(item, str) or not re.fullmatch(pattern, item):
            raise RtcValidationError(f"{name}[{position}]", f"must be a {what}")
    return list(value)


# -- ZEGO ---------------------------------------------------------------------------------------


@register
@dataclass(frozen=True)
class ZegoRoomStreams(Condition):
    kind = "zego_room_streams"
    vendor = "zego"
    action = "DescribeSimpleStreamList"  # one call per 10 s per room (catalogue)

    room_id: str
    min_streams: int = 1
    stream_ids: list[str] | None = None

    def __post_init__(self):
        from airflow_provider_rtc.models.zego import STREAM_ID_PATTERN

        self.check_fields({"RoomId": ("room_id", self.room_id)})
        _count(self, "min_streams")
        _set(self, "stream_ids", _id_list("stream_ids", self.stream_ids, STREAM_ID_PATTERN,
                                          "stream id: 1 to 256 letters, digits, '_' or '-'"))

    def request(self) -> dict[str, Any]:
        return {"query": {"RoomId": self.room_id}}

    def evaluate(self, result: ApiResult) -> Outcome:
        streams = objects(result.data, "StreamList")
        present = [scalar(s, "StreamId") for s in streams]
        if self.stream_ids:
            done = set(self.stream_ids) <= set(present)
        else:
            done = len(present) >= self.min_streams
        return Outcome(done, {"room_id": self.room_id, "stream_count": len(present), "stream_ids": present,
                              "request_id": result.request_id})


@register
@dataclass(frozen=True)
class ZegoRoomUsers(Condition):
    kind = "zego_room_users"
    vendor = "zego"
    action = "DescribeUserNum"

    room_id: str
    until: str = "empty"
    min_users: int = 1

    def __post_init__(self):
        self.check_fields({"RoomId": ("room_id", self.room_id)})
        _until(self, ("empty", "occupied"))
        _count(self, "min_users")

    def request(self) -> dict[str, Any]:
        return {"query": {"RoomId": self.room_id}}

    def evaluate(self, result: ApiResult) -> Outcome:
        counts = objects(result.data, "UserCountList")
        count = next((whole(c, "UserCount") for c in counts if scalar(c, "RoomId") == self.room_id), 0)
        done = count == 0 if self.until == "empty" else count >= self.min_users
        return Outcome(done, {"room_id": self.room_id, "user_count": count, "request_id": result.request_id})


@register
@dataclass(frozen=True)
class ZegoMixTask(Condition):
    kind = "zego_mix_task"
    vendor = "zego"
    action = "GetMixTaskInfo"

    mix_task_id: str
    until: str = "stopped"

    def __post_init__(self):
        self.check_fields({"TaskId": ("mix_task_id", self.mix_task_id)})
        _until(self, ("stopped", "running"))

    def request(self) -> dict[str, Any]:
        return {"query": {"TaskId": self.mix_task_id}}

    def evaluate(self, result: ApiResult) -> Outcome:
        info = part(result.data, "TaskInfo", dict, {})
        return Outcome(self.until == "running", {"mix_task_id": self.mix_task_id, "running": True,
                                                 "mix_duration": scalar(info, "MixDuration"),
                                                 "request_id": result.request_id})

    def evaluate_error(self, error: RtcApiError) -> Outcome | None:
        if error.is_not_found:  # 110209001: the mix task does not exist, i.e. is not running
            return Outcome(self.until == "stopped", {"mix_task_id": self.mix_task_id, "running": False,
                                                     "request_id": error.request_id})
        return None


# DescribeRTCStreamState's "not live" answers: 41004 no such stream, 41006 closed (VENDOR_APIS.md
# section 1). Whether they come as the envelope's Code or inside Data is not settled by the pages
# found, so both are read.
STREAM_GONE_CODES = frozenset({41004, 41006})


@register
@dataclass(frozen=True)
class ZegoStreamState(Condition):
    kind = "zego_stream_state"
    vendor = "zego"
    action = "DescribeRTCStreamState"

    stream_id: str
    until: str = "live"

    def __post_init__(self):
        # Sequence is the hook's to stamp; a placeholder lets the model check the stream id alone.
        self.check_fields({"StreamId": ("stream_id", self.stream_id), "Sequence": ("stream_id", "0")})
        _until(self, ("live", "gone"))

    def request(self) -> dict[str, Any]:
        # Sequence must increase per StreamId: the hook stamps a fresh one on every attempt.
        return {"query": {"StreamId": self.stream_id, "Sequence": "0"}}

    def _value(self, live: bool, request_id: str | None, code: Any = 0) -> dict[str, Any]:
        return {"stream_id": self.stream_id, "live": live, "code": code, "request_id": request_id}

    def evaluate(self, result: ApiResult) -> Outcome:
        data = part({"Data": result.data}, "Data", dict, {})
        inner = next((scalar(data, key) for key in ("Code", "State", "Status") if key in data), None)
        live = inner not in STREAM_GONE_CODES
        return Outcome(live == (self.until == "live"), self._value(live, result.request_id, inner or 0))

    def evaluate_error(self, error: RtcApiError) -> Outcome | None:
        if error.is_not_found or error.code in STREAM_GONE_CODES:
            return Outcome(self.until == "gone", self._value(False, error.request_id, error.code))
        return None


# DescribeUsers' Status values are not in the pages found: a user listed with one of these counts
# as not in the room; listed with any other Status (or none), as in it; not listed, as not in it.
ABSENT_STATUSES = frozenset({0, "0", "offline", "Offline", "OFFLINE"})


@register
@dataclass(frozen=True)
class ZegoUsersPresent(Condition):
    kind = "zego_users_present"
    vendor = "zego"
    action = "DescribeUsers"

    room_id: str
    user_ids: list[str]
    until: str = "present"

    def __post_init__(self):
        _set(self, "user_ids", _id_list("user_ids", self.user_ids, r"[^\x00-\x1f\x7f]{1,256}", "user id",
                                        required=True, maximum=10))
        self.check_fields({"RoomId": ("room_id", self.room_id), "UserId": ("user_ids", self.user_ids)})
        _until(self, ("present", "absent"))

    def request(self) -> dict[str, Any]:
        return {"query": {"RoomId": self.room_id, "UserId": list(self.user_ids)}}

    def _value(self, present: list[str], request_id: str | None, room_exists: bool = True) -> dict[str, Any]:
        return {"room_id": self.room_id, "room_exists": room_exists, "present": present,
                "absent": [u for u in self.user_ids if u not in present], "request_id": request_id}

    def evaluate(self, result: ApiResult) -> Outcome:
        listed = objects(result.data, "UserStatusList")
        present = [str(u["UserId"]) for u in listed
                   if scalar(u, "Status") not in ABSENT_STATUSES and scalar(u, "UserId") in self.user_ids]
        done = set(self.user_ids) <= set(present) if self.until == "present" else not present
        return Outcome(done, self._value(present, result.request_id))

    def evaluate_error(self, error: RtcApiError) -> Outcome | None:
        if error.is_not_found:  # 50001: the room does not exist, so nobody is in it
            return Outcome(self.until == "absent", self._value([], error.request_id, room_exists=False))
        return None


# -- Volcengine / BytePlus ------------------------------------------------------------------------

TASK_STATUS = {0: "unknown error", 1: "not started", 2: "running", 3: "ended", 4: "failed"}


@dataclass(frozen=True)
class _VolcengineTask(Condition):
    """A segment or recording task: GetSegmentTask / GetRecordTask answer the same Status codes."""

    vendor = "volcengine"
    result_key: ClassVar[str]  # SegmentTask / RecordTask
    task_argument: ClassVar[str]
    what: ClassVar[str]

    app_id: str
    room_id: str

    @property
    def task_id(self) -> str:
        return getattr(self, self.task_argument)

    def __post_init__(self):
        self.check_fields({"RoomId": ("room_id", self.room_id), "TaskId": (self.task_argument, self.task_id),
                           "AppId": ("app_id", self.app_id)})
        _until(self, ("ended", "running"))

    def request(self) -> dict[str, Any]:
        return {"query": {"AppId": self.app_id, "RoomId": self.room_id, "TaskId": self.task_id}}

    def _value(self, status: int | None, request_id: str | None, task: dict) -> dict:
        value = {"room_id": self.room_id, self.task_argument: self.task_id, "status": status,
                 "status_text": TASK_STATUS.get(status, "absent") if status is not None else "absent",
                 "stop_reason": task.get("StopReason"), "request_id": request_id}
        if "RecordFileList" in task:
            value["record_files"] = task.get("RecordFileList")
        return value

    def evaluate(self, result: ApiResult) -> Outcome:
        task = part(result.data, self.result_key, dict, {})
        status = part(task, "Status", int, None)
        value = self._value(status, result.request_id, task)
        if status == 4:
            return Outcome(False, value, failure=(
                f"{self.what} {self.task_id} in room {self.room_id} failed: "
                f"StopReason {task.get('StopReason') or 'not given'}"))
        done = status == 3 if self.until == "ended" else status == 2  # type: ignore[attr-defined]
        return Outcome(done, value)

    def evaluate_error(self, error: RtcApiError) -> Outcome | None:
        # No such task (or older than 72 h): nothing is running. Waiting for it to run keeps polling,
        # since a start may still be on its way.
        if error.is_not_found:
            return Outcome(self.until == "ended", self._value(None, error.request_id, {}))  # type: ignore[attr-defined]
        return None


@register
@dataclass(frozen=True)
class VolcengineSegmentTask(_VolcengineTask):
    kind = "volcengine_segment_task"
    action = "GetSegmentTask"
    result_key = "SegmentTask"
    task_argument = "segment_task_id"
    what = "segment task"

    segment_task_id: str = ""
    until: str = "ended"


@register
@dataclass(frozen=True)
class VolcengineRecordTask(_VolcengineTask):
    kind = "volcengine_record_task"
    action = "GetRecordTask"
    result_key = "RecordTask"
    task_argument = "record_task_id"
    what = "recording task"

    record_task_id: str = ""
    until: str = "ended"


@register
@dataclass(frozen=True)
class VolcengineRoomUsers(Condition):
    kind = "volcengine_room_users"
    vendor = "volcengine"
    action = "GetRoomOnlineUsers"

    app_id: str
    room_id: str
    until: str = "empty"

    def __post_init__(self):
        self.check_fields({"RoomId": ("room_id", self.room_id), "AppId": ("app_id", self.app_id)})
        _until(self, ("empty", "occupied"))

    def request(self) -> dict[str, Any]:
        return {"query": {"AppId": self.app_id, "RoomId": self.room_id}}

    def evaluate(self, result: ApiResult) -> Outcome:
        data = part({"Result": result.data}, "Result", dict, {})
        # Volcengine spells the flag RoomExists, BytePlus RoomExist: read both.
        exists = scalar(data, "RoomExists") if "RoomExists" in data else scalar(data, "RoomExist")
        users = whole(data, "TotalUser") if exists else 0
        done = users == 0 if self.until == "empty" else users > 0
        return Outcome(done, {"room_id": self.room_id, "room_exists": bool(exists), "user_count": users,
                              "request_id": result.request_id})


# -- Tencent ----------------------------------------------------------------------------------------


@register
@dataclass(frozen=True)
class TencentRoom(Condition):
    kind = "tencent_room"
    vendor = "tencent"
    action = "get_room_info"

    room_id: str
    until: str = "exists"

    def __post_init__(self):
        self.check_fields({"RoomId": ("room_id", self.room_id)})
        _until(self, ("exists", "gone"))

    def request(self) -> dict[str, Any]:
        return {"body": {"RoomId": self.room_id}}

    def evaluate(self, result: ApiResult) -> Outcome:
        info = part(result.data, "RoomInfo", dict, {})
        return Outcome(self.until == "exists", {"room_id": self.room_id, "exists": True, "room_info": info,
                                                "request_id": result.request_id})

    def evaluate_error(self, error: RtcApiError) -> Outcome | None:
        if error.is_not_found:  # 100004: the room does not exist or was dissolved
            return Outcome(self.until == "gone", {"room_id": self.room_id, "exists": False,
                                                  "request_id": error.request_id})
        return None
