"""Operators for Volcengine (and BytePlus) RTC audio slicing: StartSegment / StopSegment.

The vendor's TaskId is ``segment_task_id`` here: ``task_id`` is Airflow's. ``app_id`` defaults
to the connection's ``app_id`` extra.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, Sequence

from airflow_provider_rtc.operators.base import IdempotentStopMixin, RtcBaseOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook

_CALL_FIELDS = ("volcengine_rtc_conn_id", "extra_body")

# The segment APIs' version: Volcengine's documented one, and BytePlus's (VENDOR_APIS.md section 2).
SEGMENT_VERSION = "2020-12-01"
BYTEPLUS_SEGMENT_VERSION = "2022-06-01"

# An API Version is a date; anything else could only be answered with InvalidActionOrVersion.
_VERSION = re.compile(r"20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")


class VolcengineBaseOperator(RtcBaseOperator):
    """Base of the Volcengine RTC operators.

    :param volcengine_rtc_conn_id: connection of type ``volcengine_rtc``.
    :param app_id: the RTC AppId; defaults to the connection's ``app_id`` extra.
    :param api_version: the API Version to call; by default the segment APIs' version for the
        connection's platform (``2020-12-01`` on Volcengine, ``2022-06-01`` on a BytePlus host).
    """

    vendor_conn_id_attr: ClassVar[str] = "volcengine_rtc_conn_id"

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

        return VolcengineRtcHook(
            self.checked_conn_id(), **{k: v for k, v in self.hook_overrides().items() if v is not None}
        )

    def segment_version(self, hook: VolcengineRtcHook) -> str:
        explicit = self.checked_api_version()
        if explicit:
            return explicit
        return BYTEPLUS_SEGMENT_VERSION if hook.is_byteplus else SEGMENT_VERSION

    def checked_api_version(self) -> str | None:
        """``api_version`` if given (None or "" means the platform's default), checked to be a date."""
        from airflow_provider_rtc.errors import RtcValidationError

        if self.api_version is None or self.api_version == "":
            return None
        if not isinstance(self.api_version, str) or not _VERSION.fullmatch(self.api_version):
            raise RtcValidationError("api_version", "must be an API Version date such as 2020-12-01")
        return self.api_version

    def _validate(self, model_name: str, fields: dict[str, Any], argument_names: dict[str, str], app_id: str) -> dict:
        from airflow_provider_rtc.models import volcengine as models
        from airflow_provider_rtc.models.base import build_request

        return build_request(
            getattr(models, model_name),
            {**fields, "AppId": app_id},
            argument_names={**argument_names, "AppId": "app_id"},
            extra_body=self.extra_body,
        )

    def validated_body(
        self, hook: VolcengineRtcHook, model_name: str, fields: dict[str, Any], argument_names: dict[str, str]
    ) -> dict:
        """The request body, with AppId from the argument or the connection; nothing is sent.

        Every argument (api_version included) is checked before the connection is read; an
        ``app_id`` that is None or blank means the connection's ``app_id`` extra.
        """
        from airflow_provider_rtc.models.volcengine import with_app_id

        self.checked_api_version()
        return with_app_id(self.app_id, lambda: hook.default_app_id(None),
                           lambda app_id: self._validate(model_name, fields, argument_names, app_id))

    def call(self, action: str, version: str, body: dict):
        from airflow_provider_rtc.hooks.transport import VendorCall

        return VendorCall(action=action, body=body, version=version)


class StartSegmentOperator(VolcengineBaseOperator):
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

    template_fields: Sequence[str] = (
        "room_id", "segment_task_id", "app_id", "business_id", "target_streams", "duration", "max_idle_time",
        "storage_config", "control", "identifier", "handle", "api_version", *_CALL_FIELDS,
    )
    _ARGUMENTS = {
        "RoomId": "room_id", "TaskId": "segment_task_id", "BusinessId": "business_id",
        "TargetStreams": "target_streams", "Duration": "duration", "MaxIdleTime": "max_idle_time",
        "StorageConfig": "storage_config", "Control": "control", "Identifier": "identifier", "Handle": "handle",
    }

    def __init__(
        self,
        *,
        room_id: str,
        segment_task_id: str,
        app_id: str | None = None,
        business_id: str | None = None,
        target_streams: dict[str, Any] | None = None,
        duration: int | None = None,
        max_idle_time: int | None = None,
        storage_config: dict[str, Any] | None = None,
        control: dict[str, Any] | None = None,
        identifier: str | None = None,
        handle: bool | None = None,
        fail_if_already_running: bool = False,
        **kwargs,
    ):
        super().__init__(app_id=app_id, **kwargs)
        self.room_id = room_id
        self.segment_task_id = segment_task_id
        self.business_id = business_id
        self.target_streams = target_streams
        self.duration = duration
        self.max_idle_time = max_idle_time
        self.storage_config = storage_config
        self.control = control
        self.identifier = identifier
        self.handle = handle
        self.fail_if_already_running = fail_if_already_running

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_rtc import arguments
        from airflow_provider_rtc.errors import ErrorKind, RtcApiError

        fail_if_already_running = arguments.flag("fail_if_already_running", self.fail_if_already_running)
        fields = self.vendor_fields()
        with self.make_hook() as hook:
            body = self.validated_body(hook, "StartSegmentRequest", fields, self._ARGUMENTS)
            try:
                # Idempotent by design: the caller's TaskId makes a repeated start an "already exists".
                api_result = hook.run(self.call("StartSegment", self.segment_version(hook), body))
            except RtcApiError as error:
                if error.kind is not ErrorKind.ALREADY_EXISTS or fail_if_already_running:
                    raise
                self.log.warning(
                    "%s StartSegment: segment task %s is already running in room %s (RequestId %s); treating "
                    "the start as done. Set fail_if_already_running=True to fail instead.",
                    error.vendor, self.segment_task_id, self.room_id, error.request_id,
                )
                return {"request_id": error.request_id, "data": None, "already_running": True}
        self.log.info("Volcengine segment task %s started in room %s (RequestId %s)", self.segment_task_id,
                      self.room_id, api_result.request_id)
        return self.result(api_result, already_running=False)


class StopSegmentOperator(IdempotentStopMixin, VolcengineBaseOperator):
    """Stop slicing: ``StopSegment``. A task that does not exist or has already ended counts as
    stopped (``already_stopped: True``) unless ``fail_if_not_found=True``.
    Returns ``{"request_id", "data", "already_stopped"}``.
    """

    template_fields: Sequence[str] = (
        "room_id", "segment_task_id", "app_id", "business_id", "api_version", *_CALL_FIELDS,
    )
    _ARGUMENTS = {"RoomId": "room_id", "TaskId": "segment_task_id", "BusinessId": "business_id"}

    def __init__(
        self,
        *,
        room_id: str,
        segment_task_id: str,
        app_id: str | None = None,
        business_id: str | None = None,
        fail_if_not_found: bool = False,
        **kwargs,
    ):
        super().__init__(app_id=app_id, **kwargs)
        self.room_id = room_id
        self.segment_task_id = segment_task_id
        self.business_id = business_id
        self.fail_if_not_found = fail_if_not_found

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_rtc import arguments

        # Here, not only in run_stop: the AppId may need the connection, and no argument may wait for it.
        arguments.flag("fail_if_not_found", self.fail_if_not_found)
        fields = self.vendor_fields()
        with self.make_hook() as hook:
            body = self.validated_body(hook, "StopSegmentRequest", fields, self._ARGUMENTS)
            return self.run_stop(hook, self.call("StopSegment", self.segment_version(hook), body))
