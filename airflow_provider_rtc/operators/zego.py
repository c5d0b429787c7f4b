"""Operators for ZEGO: stream mixing, Cloud Realtime ASR, closing a room, and any action by name.

The vendor's TaskId is ``mix_task_id`` / ``asr_task_id`` here: ``task_id`` is Airflow's. Each
operator declares its catalogue action and its arguments once (see :mod:`.base`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_rtc.links import MIX_PLAYBACK_LINKS
from airflow_provider_rtc.operators.base import Arg, GenericCall, IdempotentClose, IdempotentStop, RtcBaseOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_rtc.hooks.zego import ZegoHook


class ZegoBaseOperator(RtcBaseOperator):
    """Base of the ZEGO operators; ``zego_conn_id`` names a connection of type ``zego``."""

    vendor_conn_id_attr: ClassVar[str] = "zego_conn_id"
    vendor_key = "zego"
    call_fields = ("zego_conn_id", "extra_body")

    def __init__(self, *, zego_conn_id: str = "zego_default", **kwargs):
        super().__init__(**kwargs)
        self.zego_conn_id = zego_conn_id

    def make_hook(self) -> ZegoHook:
        from airflow_provider_rtc.hooks.zego import ZegoHook

        return ZegoHook(self.checked_conn_id(), **self.hook_overrides())


class StartAutoMixOperator(ZegoBaseOperator):
    """Start (or update: same ``mix_task_id`` again) an automatic audio mix of a room: ``StartAutoMix``.

    ``mix_output`` (1..3), ``extra_mix_input`` (<= 9) and ``ex_para`` take dicts with ZEGO's own
    field names or the models in :mod:`airflow_provider_rtc.models.zego`. Returns
    ``{"request_id", "data"}`` where data holds ZEGO's ``UserId``, ``Sequence``, ``RoomId``, ``PlayInfo``.
    """

    operator_extra_links = MIX_PLAYBACK_LINKS
    action = "StartAutoMix"
    arguments = (
        Arg("room_id", "RoomId", required=True), Arg("mix_task_id", "TaskId", required=True),
        Arg("user_id", "UserId", required=True), Arg("mix_output", "MixOutput", required=True, note="1..3"),
        Arg("extra_mix_input", "ExtraMixInput", note="≤ 9"), Arg("sequence", "Sequence"),
        Arg("user_data", "UserData", note="base64, ≤ 4000 bytes"), Arg("sound_level", "SoundLevel", note="0/1"),
        Arg("by_pass", "ByPass", note="0/1"), Arg("sound_channel", "SoundChannel", note="1/2"),
        Arg("alignment_type", "AlignmentType", note="0..2"),
        Arg("recv_buffer_level", "RecvBufferLevel", note="0..4000 ms"), Arg("ex_para", "ExPara"),
    )


class StopMixOperator(IdempotentStop, ZegoBaseOperator):
    """Stop a mix task: ``StopMix``. A task that no longer exists counts as stopped (``already_stopped``)."""

    action = "StopMix"
    arguments: ClassVar[tuple[Arg, ...]] = (
        Arg("mix_task_id", "TaskId", required=True), Arg("sequence", "Sequence"), Arg("user_id", "UserId"),
    )


class StopAutoMixOperator(StopMixOperator):
    """Stop an automatic mix: ``StopAutoMix`` (needs the room). Already-stopped counts as done."""

    action = "StopAutoMix"
    arguments = (Arg("mix_task_id", "TaskId", required=True), Arg("room_id", "RoomId", required=True),
                 Arg("sequence", "Sequence"), Arg("user_id", "UserId"))


class StartASROperator(ZegoBaseOperator):
    """Start cloud realtime speech recognition for a room: ``StartRealtimeASRTask`` on the ASR host.

    Not idempotent (every call starts a new task), so an attempt that may have reached ZEGO is
    never repeated. Returns ``{"request_id", "data": {"TaskId": ...}}``; pass ``data.TaskId`` to
    :class:`StopASROperator` as ``asr_task_id``. A retry of the Airflow task (try 2+) logs a
    warning naming the room: an earlier try may have started a task whose TaskId never arrived.

    :param hot_words: ``"word|weight,word|weight"`` (at most 128).
    :param engine_model_type: ``16k_zh``, ``16k_en`` or ``16k_ar``.
    :param vad_silence_segmentation: silence in ms (200..2000) that ends a sentence.
    """

    action = "StartRealtimeASRTask"
    arguments = (
        Arg("room_id", "RoomId", required=True), Arg("hot_words", "ASR.HotWord", note='"word|weight,...", ≤ 128'),
        Arg("engine_model_type", "ASR.Params.engine_model_type", note="16k_zh/16k_en/16k_ar"),
        Arg("vad_silence_segmentation", "ASR.VADSilenceSegmentation", note="200..2000 ms"),
    )

    room_id: str

    def execute(self, context: Context) -> dict[str, Any]:
        # A retry may follow a try whose started task never reported back: say so (the try
        # number lives only in the context, hence here rather than in perform()).
        from airflow_provider_rtc.operators.retry_safety import warn_if_retry_may_orphan_asr

        warn_if_retry_may_orphan_asr(context, self.log, self.room_id)
        return super().execute(context)


class StopASROperator(IdempotentStop, ZegoBaseOperator):
    """Stop a realtime ASR task: ``StopRealtimeASRTask``. A task already ended (410001002) counts as stopped."""

    action = "StopRealtimeASRTask"
    arguments = (Arg("asr_task_id", "TaskId", required=True),)


class ZegoCloseRoomOperator(IdempotentClose, ZegoBaseOperator):
    """Remove everyone from a room and close it: ``CloseRoom`` (GET; ZEGO allows 1 call/s per AppId).

    A room that does not exist (5024, 50001, 104) counts as closed: ``already_closed: True``
    (``fail_if_not_found=True`` fails instead). Returns ``{"request_id", "data", "already_closed"}``.

    :param custom_reason: why (at most 256 bytes), passed to ZEGO's callbacks.
    :param room_close_callback: ask ZEGO for its room-close callback (default: ZEGO's, false).
    """

    action = "CloseRoom"
    arguments = (Arg("room_id", "RoomId", required=True), Arg("custom_reason", "CustomReason", note="≤ 256 bytes"),
                 Arg("room_close_callback", "RoomCloseCallback", note="bool"))


class ZegoApiOperator(GenericCall, ZegoBaseOperator):
    """Call any ZEGO server API action by name, including ones this package has not modelled.

    Signed, with timeouts and retries like every operator; ZEGO's envelope is checked the same
    way. A catalogued action takes the catalogue's method, host and idempotency unless given, and
    its ``body`` (POST) or ``query`` (GET) is checked against its model (``validate=False`` skips
    that, for fields the model does not know yet). Returns ``{"request_id", "data"}``.

    :param action: the ZEGO ``Action``.
    :param body: the JSON body of a POST (templated).
    :param query: query parameters of a GET (templated); lists are sent as repeated parameters.
    :param method: ``GET`` or ``POST`` (default: the catalogue's, else POST).
    :param endpoint: ``rtc`` or ``asr`` (default: the catalogue's, else rtc).
    :param idempotent: False for actions that create something on every call, so an attempt that
        may have reached ZEGO is never repeated (default: the catalogue's, else True).
    """

    arguments = (
        Arg("action", required=True), Arg("body", note="dict or JSON text"), Arg("query"),
        Arg("method", note="GET/POST"), Arg("endpoint", note="rtc/asr"),
        Arg("idempotent", template=False), Arg("validate", default=True, template=False),
    )

    method: str | None
    endpoint: str | None

    def generic_options(self) -> dict[str, Any]:
        return {"method": self.method, "endpoint": self.endpoint}
