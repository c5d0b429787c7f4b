"""Operators for Tencent Cloud's live engine (TUILiveKit rooms): resume and lay out a room's stream mix."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Sequence

from airflow_provider_rtc.operators.base import RtcBaseOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_rtc.hooks.tencent import TencentLiveHook
    from airflow_provider_rtc.models.tencent import MixLayoutInfo, MixVideoEncode

_CALL_FIELDS = ("tencent_live_conn_id", "extra_body")


class TencentBaseOperator(RtcBaseOperator):
    """Base of the Tencent operators; ``tencent_live_conn_id`` names a connection of type ``tencent_live``."""

    vendor_conn_id_attr: ClassVar[str] = "tencent_live_conn_id"

    def __init__(self, *, tencent_live_conn_id: str = "tencent_live_default", **kwargs):
        super().__init__(**kwargs)
        self.tencent_live_conn_id = tencent_live_conn_id

    def make_hook(self) -> TencentLiveHook:
        from airflow_provider_rtc.hooks.tencent import TencentLiveHook

        return TencentLiveHook(
            self.checked_conn_id(), **{k: v for k, v in self.hook_overrides().items() if v is not None}
        )

    def validated_body(self, model_name: str, fields: dict[str, Any], argument_names: dict[str, str]) -> dict:
        from airflow_provider_rtc.models import tencent as models
        from airflow_provider_rtc.models.base import build_request

        return build_request(
            getattr(models, model_name), fields, argument_names=argument_names, extra_body=self.extra_body
        )


class ResumeMcuOperator(TencentBaseOperator):
    """Resume a room's stream-mixing layout: ``resume_mcu_task`` (for instance after an ad break).

    The room must have been created with ``IsUnlimitedRoomEnabled`` and its anchors must be on a
    seat. ``room_id`` is at most 48 bytes of UTF-8, checked before any request. Returns
    ``{"request_id", "data": None}``; a missing room (100004) or a room without a mix task
    (100424) raises :class:`~airflow_provider_rtc.errors.RtcNotFoundError` naming the room.
    """

    template_fields: Sequence[str] = ("room_id", *_CALL_FIELDS)
    _ARGUMENTS = {"RoomId": "room_id"}

    def __init__(self, *, room_id: str, **kwargs):
        super().__init__(**kwargs)
        self.room_id = room_id

    def execute(self, context: Context) -> dict[str, Any]:
        body = self.validated_body("ResumeMcuTaskRequest", {"RoomId": self.room_id}, self._ARGUMENTS)
        with self.make_hook() as hook:
            api_result = hook.call_command("resume_mcu_task", body)
        self.log.info("Tencent mix of room %s resumed (RequestId %s)", self.room_id, api_result.request_id)
        return self.result(api_result)


class SetMixStreamOperator(TencentBaseOperator):
    """Set a room's stream-mixing layout: ``set_mix_stream``.

    :param layout_mode: 0 (grid) or 1000 (custom).
    :param video_encode: ``{"Width": ..., "Height": ...}`` of the mixed picture (or a
        :class:`~airflow_provider_rtc.models.tencent.MixVideoEncode`).
    :param layout_info: ``{"LayoutList": [...], "MaxUserLayout": ...}`` with Tencent's field names
        (or a :class:`~airflow_provider_rtc.models.tencent.MixLayoutInfo`); the entries of
        ``LayoutList`` are passed through as given.

    Returns ``{"request_id", "data"}``.
    """

    template_fields: Sequence[str] = ("room_id", "layout_mode", "video_encode", "layout_info", *_CALL_FIELDS)
    _ARGUMENTS = {
        "RoomId": "room_id", "LayoutMode": "layout_mode", "VideoEncode": "video_encode", "LayoutInfo": "layout_info",
    }

    def __init__(
        self,
        *,
        room_id: str,
        layout_mode: int,
        video_encode: dict[str, Any] | MixVideoEncode | None = None,
        layout_info: dict[str, Any] | MixLayoutInfo | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.room_id = room_id
        self.layout_mode = layout_mode
        self.video_encode = video_encode
        self.layout_info = layout_info

    def execute(self, context: Context) -> dict[str, Any]:
        body = self.validated_body(
            "SetMixStreamRequest",
            self.vendor_fields(),
            self._ARGUMENTS,
        )
        with self.make_hook() as hook:
            api_result = hook.call_command("set_mix_stream", body)
        self.log.info("Tencent mix layout of room %s set to mode %s (RequestId %s)", self.room_id, body["LayoutMode"],
                      api_result.request_id)
        return self.result(api_result)
