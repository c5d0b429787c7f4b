"""Operators for Tencent Cloud's live engine (TUILiveKit rooms): the room's stream mix, dissolving
the room, and any ``live_engine_http_srv`` command by name."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from airflow_provider_rtc.operators.base import Arg, GenericCall, IdempotentClose, RtcBaseOperator

if TYPE_CHECKING:
    from airflow_provider_rtc.hooks.tencent import TencentLiveHook


class TencentBaseOperator(RtcBaseOperator):
    """Base of the Tencent operators; ``tencent_live_conn_id`` names a connection of type ``tencent_live``."""

    vendor_conn_id_attr: ClassVar[str] = "tencent_live_conn_id"
    vendor_key = "tencent"
    call_fields = ("tencent_live_conn_id", "extra_body")

    def __init__(self, *, tencent_live_conn_id: str = "tencent_live_default", **kwargs):
        super().__init__(**kwargs)
        self.tencent_live_conn_id = tencent_live_conn_id

    def make_hook(self) -> TencentLiveHook:
        from airflow_provider_rtc.hooks.tencent import TencentLiveHook

        return TencentLiveHook(self.checked_conn_id(), **self.hook_overrides())


class ResumeMcuOperator(TencentBaseOperator):
    """Resume a room's stream-mixing layout: ``resume_mcu_task`` (for instance after an ad break).

    The room must have been created with ``IsUnlimitedRoomEnabled`` and its anchors must be on a
    seat. ``room_id`` is at most 48 bytes of UTF-8, checked before any request. Returns
    ``{"request_id", "data": None}``; a missing room (100004) or a room without a mix task
    (100424) raises :class:`~airflow_provider_rtc.errors.RtcNotFoundError` naming the room.
    """

    action = "resume_mcu_task"
    arguments = (Arg("room_id", "RoomId", required=True, note="≤ 48 bytes UTF-8"),)


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

    action = "set_mix_stream"
    arguments = (Arg("room_id", "RoomId", required=True),
                 Arg("layout_mode", "LayoutMode", required=True, note="0 grid, 1000 custom"),
                 Arg("video_encode", "VideoEncode", note='{"Width", "Height"}'),
                 Arg("layout_info", "LayoutInfo", note='{"LayoutList": [...], "MaxUserLayout"}'))


class TencentDestroyRoomOperator(IdempotentClose, TencentBaseOperator):
    """Dissolve a room for good: ``destroy_room`` (200/s per SDKAppID).

    A room that does not exist or was already dissolved (100004) counts as closed:
    ``already_closed: True`` (``fail_if_not_found=True`` fails instead). Returns
    ``{"request_id", "data", "already_closed"}``; ``data`` may hold Tencent's ``Statistic`` of the show.
    """

    action = "destroy_room"
    arguments = (Arg("room_id", "RoomId", required=True),)


class TencentLiveApiOperator(GenericCall, TencentBaseOperator):
    """POST any ``live_engine_http_srv`` command by name, including ones not modelled here.

    Signed with the admin's UserSig, with timeouts and retries like every operator; the envelope
    is checked the same way. A catalogued command's body is checked against its model
    (``validate=False`` skips that). Returns ``{"request_id", "data"}`` (``data`` is ``Response``).

    :param command: the command name, e.g. ``get_room_list``.
    :param body: the JSON body (templated).
    :param idempotent: False for commands that create something on every call (e.g. ``create_room``).
    """

    arguments = (Arg("command", required=True), Arg("body", note="dict or JSON text"), Arg("idempotent", template=False),
                 Arg("validate", default=True, template=False))
    query = None
    command: str

    @property
    def action(self) -> str:  # type: ignore[override]
        return self.command
