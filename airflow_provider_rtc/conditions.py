"""What a sensor waits for, as plain data that both the sync sensor and the async trigger evaluate.

A condition knows which vendor call observes the state (``call``) and how to read the answer
(``evaluate``); it holds only plain arguments, so it serializes into trigger kwargs with no secret.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from airflow_provider_rtc.errors import ErrorKind, RtcApiError
from airflow_provider_rtc.hooks.transport import ApiResult, VendorCall


@dataclass(frozen=True)
class Outcome:
    done: bool
    value: Any = None  # what the final check saw: the sensor's XCom value
    failure: str | None = None  # the watched thing failed for good: fail the sensor at once


class Condition:
    kind: ClassVar[str]
    hook_class: ClassVar[str]  # dotted path, imported on use
    min_interval: ClassVar[float] = 0.0  # the vendor's per-resource polling limit, in seconds

    def call(self) -> VendorCall:
        raise NotImplementedError

    def evaluate(self, result: ApiResult) -> Outcome:
        raise NotImplementedError

    def evaluate_error(self, error: RtcApiError) -> Outcome | None:
        """An error answer that is itself an observation (e.g. "task does not exist"), else None."""
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **asdict(self)}  # type: ignore[call-overload]


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
            return condition.evaluate(hook.run(condition.call()))
        except RtcApiError as error:
            observed = condition.evaluate_error(error)
            if observed is None:
                raise
            return observed


# -- argument checks: every condition checks its plain arguments when built, i.e. in the sensor
# before any connection is read (and again, harmlessly, on the triggerer). The field names are the
# sensors' argument names, so an error names what the DAG author wrote.


def check_vendor_fields(vendor: str, model: str, fields: dict[str, tuple[str, Any]]) -> None:
    """Check ``{VendorField: (argument, value)}`` with the vendor's own request model (same limits
    as the operators)."""
    import importlib

    from airflow_provider_rtc.models.base import build_request

    models = importlib.import_module(f"airflow_provider_rtc.models.{vendor}")
    build_request(getattr(models, model), {field: value for field, (_, value) in fields.items()},
                  argument_names={field: argument for field, (argument, _) in fields.items()})


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


def _stream_ids(value: Any) -> list[str] | None:
    from airflow_provider_rtc.errors import RtcValidationError
    from airflow_provider_rtc.models.zego import STREAM_ID_PATTERN

    if value is None or (isinstance(value, (list, tuple)) and not value):
        return None
    # A string is refused rather than split into characters (a template that rendered to text).
    if not isinstance(value, (list, tuple)):
        raise RtcValidationError("stream_ids", f"must be a list of stream ids, not {type(value).__name__}")
    for position, item in enumerate(value):
        if not isinstance(item, str) or not re.fullmatch(STREAM_ID_PATTERN, item):
            raise RtcValidationError(f"stream_ids[{position}]",
                                     "must be a stream id: 1 to 256 letters, digits, '_' or '-'")
    return list(value)


def is_transient(error: RtcApiError) -> bool:
    """Errors a poller waits out (network, 5xx, throttling) rather than failing on."""
    return error.kind is ErrorKind.RETRYABLE


# -- ZEGO ---------------------------------------------------------------------------------------


@register
@dataclass(frozen=True)
class ZegoRoomStreams(Condition):
    kind = "zego_room_streams"
    hook_class = "airflow_provider_rtc.hooks.zego.ZegoHook"
    min_interval = 10.0  # DescribeSimpleStreamList: one call per 10 s per room

    room_id: str
    min_streams: int = 1
    stream_ids: list[str] | None = None

    def __post_init__(self):
        check_vendor_fields("zego", "DescribeSimpleStreamListQuery", {"RoomId": ("room_id", self.room_id)})
        _count(self, "min_streams")
        _set(self, "stream_ids", _stream_ids(self.stream_ids))

    def call(self) -> VendorCall:
        return VendorCall(action="DescribeSimpleStreamList", method="GET", query={"RoomId": self.room_id})

    def evaluate(self, result: ApiResult) -> Outcome:
        streams = (result.data or {}).get("StreamList") or []
        present = [s.get("StreamId") for s in streams]
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
    hook_class = "airflow_provider_rtc.hooks.zego.ZegoHook"

    room_id: str
    until: str = "empty"
    min_users: int = 1

    def __post_init__(self):
        check_vendor_fields("zego", "DescribeUserNumQuery", {"RoomId": ("room_id", self.room_id)})
        _until(self, ("empty", "occupied"))
        _count(self, "min_users")

    def call(self) -> VendorCall:
        return VendorCall(action="DescribeUserNum", method="GET", query={"RoomId[]": [self.room_id]})

    def evaluate(self, result: ApiResult) -> Outcome:
        counts = (result.data or {}).get("UserCountList") or []
        count = next((int(c.get("UserCount") or 0) for c in counts if c.get("RoomId") == self.room_id), 0)
        done = count == 0 if self.until == "empty" else count >= self.min_users
        return Outcome(done, {"room_id": self.room_id, "user_count": count, "request_id": result.request_id})


@register
@dataclass(frozen=True)
class ZegoMixTask(Condition):
    kind = "zego_mix_task"
    hook_class = "airflow_provider_rtc.hooks.zego.ZegoHook"

    mix_task_id: str
    until: str = "stopped"

    def __post_init__(self):
        check_vendor_fields("zego", "GetMixTaskInfoQuery", {"TaskId": ("mix_task_id", self.mix_task_id)})
        _until(self, ("stopped", "running"))

    def call(self) -> VendorCall:
        return VendorCall(action="GetMixTaskInfo", method="GET", query={"TaskId": self.mix_task_id})

    def evaluate(self, result: ApiResult) -> Outcome:
        info = (result.data or {}).get("TaskInfo") or {}
        return Outcome(self.until == "running", {"mix_task_id": self.mix_task_id, "running": True,
                                                 "mix_duration": info.get("MixDuration"),
                                                 "request_id": result.request_id})

    def evaluate_error(self, error: RtcApiError) -> Outcome | None:
        if error.is_not_found:  # 110209001: the mix task does not exist, i.e. is not running
            return Outcome(self.until == "stopped", {"mix_task_id": self.mix_task_id, "running": False,
                                                     "request_id": error.request_id})
        return None






# -- Volcengine / BytePlus ------------------------------------------------------------------------

SEGMENT_STATUS = {0: "unknown error", 1: "not started", 2: "running", 3: "ended", 4: "failed"}


@register
@dataclass(frozen=True)
class VolcengineSegmentTask(Condition):
    kind = "volcengine_segment_task"
    hook_class = "airflow_provider_rtc.hooks.volcengine.VolcengineRtcHook"

    app_id: str
    room_id: str
    segment_task_id: str
    until: str = "ended"

    def __post_init__(self):
        check_vendor_fields("volcengine", "GetSegmentTaskQuery", {
            "RoomId": ("room_id", self.room_id), "TaskId": ("segment_task_id", self.segment_task_id),
            "AppId": ("app_id", self.app_id)})
        _until(self, ("ended", "running"))

    def call(self) -> VendorCall:
        return VendorCall(action="GetSegmentTask", version="2022-06-01", method="GET",
                          query={"AppId": self.app_id, "RoomId": self.room_id, "TaskId": self.segment_task_id})

    def _value(self, status: int | None, request_id: str | None, task: dict) -> dict:
        return {"room_id": self.room_id, "segment_task_id": self.segment_task_id, "status": status,
                "status_text": SEGMENT_STATUS.get(status, "absent"), "stop_reason": task.get("StopReason"),
                "request_id": request_id}

    def evaluate(self, result: ApiResult) -> Outcome:
        task = (result.data or {}).get("SegmentTask") or {}
        status = task.get("Status")
        value = self._value(status, result.request_id, task)
        if status == 4:
            return Outcome(False, value, failure=(
                f"segment task {self.segment_task_id} in room {self.room_id} failed: "
                f"StopReason {task.get('StopReason') or 'not given'}"))
        done = status == 3 if self.until == "ended" else status == 2
        return Outcome(done, value)

    def evaluate_error(self, error: RtcApiError) -> Outcome | None:
        # No such task (or older than 72 h): nothing is running. Waiting for it to run keeps polling,
        # since a start may still be on its way.
        if error.is_not_found:
            return Outcome(self.until == "ended", self._value(None, error.request_id, {}))
        return None


@register
@dataclass(frozen=True)
class VolcengineRoomUsers(Condition):
    kind = "volcengine_room_users"
    hook_class = "airflow_provider_rtc.hooks.volcengine.VolcengineRtcHook"

    app_id: str
    room_id: str
    until: str = "empty"

    def __post_init__(self):
        check_vendor_fields("volcengine", "GetRoomOnlineUsersQuery", {
            "RoomId": ("room_id", self.room_id), "AppId": ("app_id", self.app_id)})
        _until(self, ("empty", "occupied"))

    def call(self) -> VendorCall:
        return VendorCall(action="GetRoomOnlineUsers", version="2023-11-01", method="GET",
                          query={"AppId": self.app_id, "RoomId": self.room_id})

    def evaluate(self, result: ApiResult) -> Outcome:
        data = result.data or {}
        # Volcengine spells the flag RoomExists, BytePlus RoomExist: read both.
        exists = data.get("RoomExists", data.get("RoomExist", False))
        users = int(data.get("TotalUser") or 0) if exists else 0
        done = users == 0 if self.until == "empty" else users > 0
        return Outcome(done, {"room_id": self.room_id, "room_exists": bool(exists), "user_count": users,
                              "request_id": result.request_id})


# -- Tencent ----------------------------------------------------------------------------------------


@register
@dataclass(frozen=True)
class TencentRoom(Condition):
    kind = "tencent_room"
    hook_class = "airflow_provider_rtc.hooks.tencent.TencentLiveHook"

    room_id: str
    until: str = "exists"

    def __post_init__(self):
        check_vendor_fields("tencent", "GetRoomInfoRequest", {"RoomId": ("room_id", self.room_id)})
        _until(self, ("exists", "gone"))

    def call(self) -> VendorCall:
        return VendorCall(action="get_room_info", method="POST", body={"RoomId": self.room_id})

    def evaluate(self, result: ApiResult) -> Outcome:
        info = (result.data or {}).get("RoomInfo") or {}
        return Outcome(self.until == "exists", {"room_id": self.room_id, "exists": True, "room_info": info,
                                                "request_id": result.request_id})

    def evaluate_error(self, error: RtcApiError) -> Outcome | None:
        if error.is_not_found:  # 100004: the room does not exist or was dissolved
            return Outcome(self.until == "gone", {"room_id": self.room_id, "exists": False,
                                                  "request_id": error.request_id})
        return None
