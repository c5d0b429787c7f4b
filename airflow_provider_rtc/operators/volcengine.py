"""Operators for Volcengine (and BytePlus) RTC: audio slicing, cloud recording, closing a room,
and any OpenAPI action by name.

The vendor's TaskId is ``segment_task_id`` / ``record_task_id`` here: ``task_id`` is Airflow's.
``app_id`` defaults to the connection's ``app_id`` extra; the API Version comes from the
catalogue (BytePlus's where it differs) unless ``api_version`` is given.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_rtc.operators.base import (
    Arg,
    GenericCall,
    IdempotentClose,
    IdempotentStart,
    IdempotentStop,
    RtcBaseOperator,
)

if TYPE_CHECKING:
    from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook

# An API Version is a date; anything else could only be answered with InvalidActionOrVersion.
_VERSION = re.compile(r"20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")


class VolcengineBaseOperator(RtcBaseOperator):
    """Base of the Volcengine RTC operators.

    :param volcengine_rtc_conn_id: connection of type ``volcengine_rtc``.
    :param app_id: the RTC AppId; defaults to the connection's ``app_id`` extra.
    :param api_version: the API Version to call; by default the catalogue's for the connection's
        platform (e.g. the segment APIs: ``2020-12-01`` on Volcengine, ``2022-06-01`` on BytePlus).
    """

    vendor_conn_id_attr: ClassVar[str] = "volcengine_rtc_conn_id"
    vendor_key = "volcengine"
    call_fields = ("app_id", "api_version", "volcengine_rtc_conn_id", "extra_body")

    def __init__(
        self,
        *,
        volcengine_rtc_conn_id: str = "volcengine_rtc_default",
        app_id: str | None = None,
        api_version: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.volcengine_rtc_conn_id = volcengine_rtc_conn_id
        self.app_id = app_id
        self.api_version = api_version

    def make_hook(self) -> VolcengineRtcHook:
        from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook

        return VolcengineRtcHook(self.checked_conn_id(), **self.hook_overrides())

    def checked_api_version(self) -> str | None:
        """``api_version`` if given (None or "" means the platform's default), checked to be a date."""
        from airflow_provider_rtc.errors import RtcValidationError

        if self.api_version is None or self.api_version == "":
            return None
        if not isinstance(self.api_version, str) or not _VERSION.fullmatch(self.api_version):
            raise RtcValidationError("api_version", "must be an API Version date such as 2020-12-01")
        return self.api_version

    def prevalidate(self) -> None:
        self.checked_api_version()

    def argument_names(self) -> dict[str, str]:
        return {**super().argument_names(), "AppId": "app_id"}

    def build(self, hook) -> dict[str, Any]:
        """The request, with AppId from the argument or the connection. An ``app_id`` that is None or
        blank means the connection's ``app_id`` extra: every other argument is checked first."""
        from airflow_provider_rtc.arguments import with_app_id

        fields = self.vendor_fields()
        return with_app_id(self.app_id, lambda: hook.default_app_id(None),
                           lambda app_id: self.validated({**fields, "AppId": app_id}))

    def call_options(self, hook) -> dict[str, Any]:
        version = self.checked_api_version()
        return {"version": version} if version else {}


class StartSegmentOperator(IdempotentStart, VolcengineBaseOperator):
    """Start slicing a room's audio: ``StartSegment``.

    A task identified by AppId + RoomId + ``segment_task_id`` that is already running counts as
    started: the result then has ``already_running: True`` (``fail_if_already_running=True``
    fails instead). Returns ``{"request_id", "data", "already_running"}``.

    :param target_streams: ``{"StreamList": [...]}`` (at most 17 streams); empty slices every stream.
    :param duration: seconds per slice (1..600, vendor default 20).
    :param max_idle_time: seconds without streams before the task stops itself (1..86400, default 180).
    :param storage_config: the vendor's ``StorageConfig`` object (where slices are uploaded).
    :param control: the vendor's ``Control`` object (advanced slicing options).
    :param identifier: file name prefix of the slices.
    :param handle: start slicing at once (vendor default true).
    """

    action = "StartSegment"
    arguments = (
        Arg("room_id", "RoomId", required=True), Arg("segment_task_id", "TaskId", required=True),
        Arg("business_id", "BusinessId"), Arg("target_streams", "TargetStreams"), Arg("duration", "Duration", note="1..600 s"),
        Arg("max_idle_time", "MaxIdleTime", note="1..86400"), Arg("storage_config", "StorageConfig"), Arg("control", "Control"),
        Arg("identifier", "Identifier"), Arg("handle", "Handle"),
    )


class StopSegmentOperator(IdempotentStop, VolcengineBaseOperator):
    """Stop slicing: ``StopSegment``. A task that does not exist or has already ended counts as
    stopped (``already_stopped: True``) unless ``fail_if_not_found=True``.
    Returns ``{"request_id", "data", "already_stopped"}``.
    """

    action = "StopSegment"
    arguments = (Arg("room_id", "RoomId", required=True), Arg("segment_task_id", "TaskId", required=True),
                 Arg("business_id", "BusinessId"))


class StartRecordOperator(IdempotentStart, VolcengineBaseOperator):
    """Start cloud recording of a room: ``StartRecord`` (Volcengine 2023-11-01, BytePlus 2022-06-01).

    Recording must be enabled in the RTC console. The task is AppId + RoomId + ``record_task_id``:
    starting it again while it runs counts as started (``already_running: True``; assumed to be
    answered with TaskAlreadyExists as for the segment APIs). Returns
    ``{"request_id", "data", "already_running"}``; wait for the end with
    :class:`~airflow_provider_rtc.sensors.volcengine.VolcengineRecordTaskSensor`.

    :param record_mode: 0 mixed-stream, 1 single-stream recording.
    :param target_streams: ``{"StreamList": [...]}`` (at most 17 streams).
    :param encode, layout, control, file_format_config, file_name_config, storage_config: the
        vendor's objects of the same names, passed through as given.
    """

    action = "StartRecord"
    arguments = (
        Arg("room_id", "RoomId", required=True), Arg("record_task_id", "TaskId", required=True),
        Arg("business_id", "BusinessId"), Arg("record_mode", "RecordMode", note="0 mixed, 1 single-stream"), Arg("target_streams", "TargetStreams", note="≤ 17 streams"),
        Arg("encode", "Encode"), Arg("layout", "Layout"), Arg("control", "Control"),
        Arg("file_format_config", "FileFormatConfig"), Arg("file_name_config", "FileNameConfig"),
        Arg("storage_config", "StorageConfig"),
    )


class StopRecordOperator(IdempotentStop, VolcengineBaseOperator):
    """Stop cloud recording: ``StopRecord``. A task that does not exist or has already ended counts
    as stopped (``already_stopped: True``) unless ``fail_if_not_found=True``."""

    action = "StopRecord"
    arguments = (Arg("room_id", "RoomId", required=True), Arg("record_task_id", "TaskId", required=True),
                 Arg("business_id", "BusinessId"))


class VolcengineCloseRoomOperator(IdempotentClose, VolcengineBaseOperator):
    """Close a room for good: ``BanRoomUser`` (2023-11-01) with AppId + RoomId removes everyone.

    :param forbidden_interval: seconds during which nobody may join again (0..259290; Volcengine
        raises 1..59 to 60). Not given or 0: everyone is removed but may rejoin at once.

    Banning again is harmless, so the call is retried like a read. An answer that the room does
    not exist counts as closed (``already_closed: True``; ``fail_if_not_found=True`` fails
    instead). Returns ``{"request_id", "data", "already_closed"}``.
    """

    action = "BanRoomUser"
    arguments = (Arg("room_id", "RoomId", required=True),
                 Arg("forbidden_interval", "ForbiddenInterval", note="0..259290 s"))


class VolcengineRtcApiOperator(GenericCall, VolcengineBaseOperator):
    """Call any Volcengine / BytePlus RTC OpenAPI action by name, including ones not modelled here.

    Signed with Signature V4, with timeouts and retries like every operator; the envelope is
    checked the same way. A catalogued action takes the catalogue's method, Version and
    idempotency unless given, and its ``body`` / ``query`` is checked against its model
    (``validate=False`` skips that). Any other action needs ``api_version``. Returns
    ``{"request_id", "data"}``. ``app_id`` is not added for you: put ``AppId`` in the body or query.

    :param action: the OpenAPI ``Action``.
    :param body: the JSON body of a POST (templated); ``query``: query parameters (templated).
    :param method: ``GET`` or ``POST``; ``idempotent``: False for actions that create something
        on every call.
    """

    arguments = (
        Arg("action", required=True), Arg("body", note="dict or JSON text"), Arg("query"), Arg("method", note="GET/POST"),
        Arg("idempotent", template=False), Arg("validate", default=True, template=False),
    )

    method: str | None

    def generic_options(self) -> dict[str, Any]:
        return {"method": self.method, **self.call_options(None)}
