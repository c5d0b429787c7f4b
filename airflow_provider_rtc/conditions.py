"""What a sensor waits for, as plain data that both the sync sensor and the async trigger evaluate.

A condition knows which vendor call observes the state (``call``) and how to read the answer
(``evaluate``); it holds only plain arguments, so it serializes into trigger kwargs with no secret.
"""

from __future__ import annotations

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




