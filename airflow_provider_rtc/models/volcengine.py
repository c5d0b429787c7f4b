"""Volcengine / BytePlus RTC request bodies and queries with the limits the vendor documents.

Sources: shared/VENDOR_APIS.md section 2, seeds/volcengine-stop-segment.txt, and Volcengine's
StartSegment / UpdateSegment pages for Duration's range and TargetStreams' 17-stream limit.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints, field_validator

from airflow_provider_rtc.models.base import Int, VendorModel

# AppId, RoomId, TaskId, BusinessId (and Identifier) all follow this rule.
ID_PATTERN = r"^[a-zA-Z0-9_@\-\.]{1,128}$"
VolcId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
MAX_TARGET_STREAMS = 17


def _bool_text(value: Any) -> Any:
    # A Jinja-rendered "true"/"false" means the bool; anything else is left to strict checking.
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


Bool = Annotated[bool, BeforeValidator(_bool_text)]


def checked_target_streams(value: dict[str, Any] | None, *, too_many: str) -> dict[str, Any] | None:
    """``TargetStreams`` of segment and record tasks: ``StreamList`` is a list of stream objects, at
    most ``MAX_TARGET_STREAMS`` of them."""
    streams = None if value is None else value.get("StreamList")
    if streams is not None:
        if not isinstance(streams, list) or not all(isinstance(item, dict) for item in streams):
            raise ValueError("StreamList must be a list of stream objects")
        if len(streams) > MAX_TARGET_STREAMS:
            raise ValueError(too_many)
    return value


class StartSegmentRequest(VendorModel):
    """``StartSegment`` (2020-12-01, and 2022-06-01 with the same fields)."""

    AppId: VolcId
    BusinessId: VolcId | None = None
    RoomId: VolcId
    TaskId: VolcId
    # {"StreamList": [{"Index", "UserId", "StreamType"}, ...]}: the digest does not document the
    # stream object, so it is passed through as given; only the documented stream count is checked.
    TargetStreams: dict[str, Any] | None = None
    # Seconds per audio slice; Volcengine silently replaces values outside 1..600 with 20.
    Duration: Annotated[Int, Field(ge=1, le=600)] | None = None
    # Seconds without any subscribed stream before the task stops itself (vendor default 180).
    MaxIdleTime: Annotated[Int, Field(ge=1, le=86400)] | None = None
    # Where slices are uploaded. Its shape (TOS, VOD, S3-compatible, ...) is not in the digest:
    # accepted as the vendor's own JSON object. Without it the console's storage setting applies.
    StorageConfig: dict[str, Any] | None = None
    # Advanced slicing (alignment, mixed slicing, silence handling): shape not in the digest.
    Control: dict[str, Any] | None = None
    # File name prefix of the slices; same character rule as the ids.
    Identifier: VolcId | None = None
    # Whether slicing starts at once (vendor default true).
    Handle: Bool | None = None

    @field_validator("TargetStreams")
    @classmethod
    def _at_most_17_streams(cls, value: dict[str, Any] | None):
        return checked_target_streams(value, too_many=f"at most {MAX_TARGET_STREAMS} streams can be sliced")


class StopSegmentRequest(VendorModel):
    """``StopSegment`` (2020-12-01): answers ``Result: "ok"``."""

    AppId: VolcId
    BusinessId: VolcId | None = None
    RoomId: VolcId
    TaskId: VolcId


class GetSegmentTaskQuery(VendorModel):
    """``GetSegmentTask`` (GET, 2022-06-01): Result.SegmentTask{StartTime, EndTime, Status, StopReason}.

    Status: 0 unknown error, 1 not started, 2 running, 3 ended, 4 failed. Only tasks started in
    the last 72 hours can be queried.
    """

    AppId: VolcId
    RoomId: VolcId
    TaskId: VolcId


class GetRoomOnlineUsersQuery(VendorModel):
    """``GetRoomOnlineUsers`` (GET, 2023-11-01): TotalUser, VisibleUserList, RoomExists (BytePlus: RoomExist)."""

    AppId: VolcId
    RoomId: VolcId


# -- closing a room: BanRoomUser (2023-11-01) ----------------------------------------------------
# https://docs.byteplus.com/en/docs/byteplus-rtc/docs-1188353: AppId + RoomId bans the room
# (everyone is removed); ForbiddenInterval > 0 keeps them out that many seconds (values below 60
# become 60, above 259290 become 259290; 0 or empty lets them back at once).
BAN_INTERVAL_MAX = 259290


class BanRoomUserRequest(VendorModel):
    AppId: VolcId
    RoomId: VolcId
    UserId: VolcId | None = None
    ForbiddenInterval: Annotated[Int, Field(ge=0, le=BAN_INTERVAL_MAX)] | None = None


# -- cloud recording: StartRecord / StopRecord (POST) and GetRecordTask (GET) --------------------
# https://www.volcengine.com/docs/6348/1188215 (StartRecord 2023-11-01, QPS 60),
# https://www.volcengine.com/docs/6348/1188200 (StopRecord 2023-11-01, QPS 60),
# https://docs.byteplus.com/en/docs/byteplus-rtc/docs-116408 (GetRecordTask: RecordTask{Status,
# StopReason, RecordFileList}; Status 1 not started, 2 running, 3 ended, 4 failed; 72 hours).


class StartRecordRequest(VendorModel):
    AppId: VolcId
    BusinessId: VolcId | None = None
    RoomId: VolcId
    TaskId: VolcId
    # 0 mixed-stream, 1 single-stream recording (StartRecord page: "RecordMode").
    RecordMode: Annotated[Int, Field(ge=0, le=1)] | None = None
    # Documented objects passed through as given; only the 17-stream limit is checked.
    TargetStreams: dict[str, Any] | None = None
    Encode: dict[str, Any] | None = None
    Layout: dict[str, Any] | None = None
    Control: dict[str, Any] | None = None
    FileFormatConfig: dict[str, Any] | None = None
    FileNameConfig: dict[str, Any] | None = None
    StorageConfig: dict[str, Any] | None = None

    @field_validator("TargetStreams")
    @classmethod
    def _at_most_17_streams(cls, value: dict[str, Any] | None):
        return checked_target_streams(value, too_many=f"StreamList holds at most {MAX_TARGET_STREAMS} streams")


class StopRecordRequest(VendorModel):
    AppId: VolcId
    BusinessId: VolcId | None = None
    RoomId: VolcId
    TaskId: VolcId


class GetRecordTaskQuery(VendorModel):
    AppId: VolcId
    RoomId: VolcId
    TaskId: VolcId
