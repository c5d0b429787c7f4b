"""Volcengine / BytePlus RTC request bodies and queries with the limits the vendor documents.

Sources: shared/VENDOR_APIS.md section 2, seeds/volcengine-stop-segment.txt, and Volcengine's
StartSegment / UpdateSegment pages for Duration's range and TargetStreams' 17-stream limit.
"""

from __future__ import annotations

from typing import Annotated, Any, Callable, TypeVar

from pydantic import BeforeValidator, Field, StringConstraints, field_validator

from airflow_provider_rtc.models.base import Int, VendorModel

# AppId, RoomId, TaskId, BusinessId (and Identifier) all follow this rule.
ID_PATTERN = r"^[a-zA-Z0-9_@\-\.]{1,128}$"
VolcId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
# Passes the id rule; stands in for an AppId still to be read from the connection, so every
# other argument is checked before the connection is looked up.
APP_ID_PLACEHOLDER = "app-id-from-connection"


def with_app_id(explicit: Any, connection_default: Callable[[], str], make: Callable[[Any], T]) -> T:
    """``make(app_id)`` with the operator's or sensor's ``app_id``, or the connection's default.

    None or blank means the connection's ``app_id`` extra: ``make`` first runs with a stand-in so
    every other argument is checked before the connection is read. A given value is stripped but
    not str()-ed: ``app_id=True`` must fail as a wrong type, not become "True".
    """
    if explicit is None or (isinstance(explicit, str) and not explicit.strip()):
        make(APP_ID_PLACEHOLDER)
        return make(connection_default())
    return make(explicit.strip() if isinstance(explicit, str) else explicit)

T = TypeVar("T")

MAX_TARGET_STREAMS = 17


def _bool_text(value: Any) -> Any:
    # A Jinja-rendered "true"/"false" means the bool; anything else is left to strict checking.
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


Bool = Annotated[bool, BeforeValidator(_bool_text)]


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
        if value is None:
            return value
        streams = value.get("StreamList")
        if streams is not None:
            if not isinstance(streams, list) or not all(isinstance(item, dict) for item in streams):
                raise ValueError("StreamList must be a list of stream objects")
            if len(streams) > MAX_TARGET_STREAMS:
                raise ValueError(f"at most {MAX_TARGET_STREAMS} streams can be sliced")
        return value


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
