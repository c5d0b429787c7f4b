"""Operators for ZEGO's stream mixing and Cloud Realtime ASR.

The vendor's TaskId is ``mix_task_id`` / ``asr_task_id`` here: ``task_id`` is Airflow's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Sequence

from airflow_provider_rtc.links import MIX_PLAYBACK_LINKS
from airflow_provider_rtc.operators.base import IdempotentStopMixin, RtcBaseOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_rtc.hooks.zego import ZegoHook
    from airflow_provider_rtc.models.zego import ExParaItem, ExtraMixInputItem, MixOutputItem

_CALL_FIELDS = ("zego_conn_id", "extra_body")


class ZegoBaseOperator(RtcBaseOperator):
    """Base of the ZEGO operators; ``zego_conn_id`` names a connection of type ``zego``."""

    vendor_conn_id_attr: ClassVar[str] = "zego_conn_id"

    def __init__(self, *, zego_conn_id: str = "zego_default", **kwargs):
        super().__init__(**kwargs)
        self.zego_conn_id = zego_conn_id

    def make_hook(self) -> ZegoHook:
        from airflow_provider_rtc.hooks.zego import ZegoHook

        return ZegoHook(self.checked_conn_id(), **{k: v for k, v in self.hook_overrides().items() if v is not None})

    def validated_body(self, model_name: str, fields: dict[str, Any], argument_names: dict[str, str]) -> dict:
        from airflow_provider_rtc.models import zego as models
        from airflow_provider_rtc.models.base import build_request

        return build_request(
            getattr(models, model_name), fields, argument_names=argument_names, extra_body=self.extra_body
        )

    def call(self, action: str, body: dict, *, endpoint: str = "rtc", idempotent: bool = True):
        from airflow_provider_rtc.hooks.transport import VendorCall

        return VendorCall(action=action, body=body, endpoint=endpoint, idempotent=idempotent)


class StartAutoMixOperator(ZegoBaseOperator):
    """Start (or update: same ``mix_task_id`` again) an automatic audio mix of a room: ``StartAutoMix``.

    ``mix_output`` (1..3), ``extra_mix_input`` (<= 9) and ``ex_para`` take dicts with ZEGO's own
    field names or the models in :mod:`airflow_provider_rtc.models.zego`. Returns
    ``{"request_id", "data"}`` where data holds ZEGO's ``UserId``, ``Sequence``, ``RoomId``, ``PlayInfo``.
    """

    operator_extra_links = MIX_PLAYBACK_LINKS
    template_fields: Sequence[str] = (
        "room_id", "mix_task_id", "user_id", "mix_output", "extra_mix_input", "sequence", "user_data",
        "sound_level", "by_pass", "sound_channel", "alignment_type", "recv_buffer_level", "ex_para", *_CALL_FIELDS,
    )
    _ARGUMENTS = {
        "RoomId": "room_id", "TaskId": "mix_task_id", "UserId": "user_id", "MixOutput": "mix_output",
        "ExtraMixInput": "extra_mix_input", "Sequence": "sequence", "UserData": "user_data",
        "SoundLevel": "sound_level", "ByPass": "by_pass", "SoundChannel": "sound_channel",
        "AlignmentType": "alignment_type", "RecvBufferLevel": "recv_buffer_level", "ExPara": "ex_para",
    }

    def __init__(
        self,
        *,
        room_id: str,
        mix_task_id: str,
        user_id: str,
        mix_output: list[dict[str, Any] | MixOutputItem],
        extra_mix_input: list[dict[str, Any] | ExtraMixInputItem] | None = None,
        sequence: int | None = None,
        user_data: str | None = None,
        sound_level: int | None = None,
        by_pass: int | None = None,
        sound_channel: int | str | None = None,
        alignment_type: int | None = None,
        recv_buffer_level: int | None = None,
        ex_para: list[dict[str, str] | ExParaItem] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.room_id = room_id
        self.mix_task_id = mix_task_id
        self.user_id = user_id
        self.mix_output = mix_output
        self.extra_mix_input = extra_mix_input
        self.sequence = sequence
        self.user_data = user_data
        self.sound_level = sound_level
        self.by_pass = by_pass
        self.sound_channel = sound_channel
        self.alignment_type = alignment_type
        self.recv_buffer_level = recv_buffer_level
        self.ex_para = ex_para

    def execute(self, context: Context) -> dict[str, Any]:
        body = self.validated_body(
            "StartAutoMixRequest",
            self.vendor_fields(),
            self._ARGUMENTS,
        )
        with self.make_hook() as hook:
            api_result = hook.run(self.call("StartAutoMix", body))
        self.log.info("ZEGO auto mix %s started in room %s (RequestId %s)", self.mix_task_id, self.room_id,
                      api_result.request_id)
        return self.result(api_result)


class StopMixOperator(IdempotentStopMixin, ZegoBaseOperator):
    """Stop a mix task: ``StopMix``. A task that no longer exists counts as stopped (``already_stopped``)."""

    template_fields: Sequence[str] = ("mix_task_id", "sequence", "user_id", *_CALL_FIELDS)
    _ARGUMENTS = {"TaskId": "mix_task_id", "Sequence": "sequence", "UserId": "user_id"}
    _ACTION = "StopMix"
    _MODEL = "StopMixRequest"

    def __init__(
        self,
        *,
        mix_task_id: str,
        sequence: int | None = None,
        user_id: str | None = None,
        fail_if_not_found: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.mix_task_id = mix_task_id
        self.sequence = sequence
        self.user_id = user_id
        self.fail_if_not_found = fail_if_not_found

    def execute(self, context: Context) -> dict[str, Any]:
        body = self.validated_body(
            self._MODEL, self.vendor_fields(), self._ARGUMENTS
        )
        with self.make_hook() as hook:
            return self.run_stop(hook, self.call(self._ACTION, body))


class StopAutoMixOperator(StopMixOperator):
    """Stop an automatic mix: ``StopAutoMix`` (needs the room). Already-stopped counts as done."""

    template_fields: Sequence[str] = ("mix_task_id", "room_id", "sequence", "user_id", *_CALL_FIELDS)
    _ARGUMENTS = {"TaskId": "mix_task_id", "RoomId": "room_id", "Sequence": "sequence", "UserId": "user_id"}
    _ACTION = "StopAutoMix"
    _MODEL = "StopAutoMixRequest"

    def __init__(self, *, mix_task_id: str, room_id: str, **kwargs):
        super().__init__(mix_task_id=mix_task_id, **kwargs)
        self.room_id = room_id


class StartASROperator(ZegoBaseOperator):
    """Start cloud realtime speech recognition for a room: ``StartRealtimeASRTask`` on the ASR host.

    Not idempotent (every call starts a new task), so an attempt that may have reached ZEGO is
    never repeated. Returns ``{"request_id", "data": {"TaskId": ...}}``; pass ``data.TaskId`` to
    :class:`StopASROperator` as ``asr_task_id``.

    :param hot_words: ``"word|weight,word|weight"`` (at most 128).
    :param engine_model_type: ``16k_zh``, ``16k_en`` or ``16k_ar``.
    :param vad_silence_segmentation: silence in ms (200..2000) that ends a sentence.
    """

    template_fields: Sequence[str] = ("room_id", "hot_words", "engine_model_type", "vad_silence_segmentation",
                                      *_CALL_FIELDS)

    def __init__(
        self,
        *,
        room_id: str,
        hot_words: str | None = None,
        engine_model_type: str | None = None,
        vad_silence_segmentation: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.room_id = room_id
        self.hot_words = hot_words
        self.engine_model_type = engine_model_type
        self.vad_silence_segmentation = vad_silence_segmentation

    def execute(self, context: Context) -> dict[str, Any]:
        asr: dict[str, Any] = {}
        if self.hot_words is not None:
            asr["HotWord"] = self.hot_words
        if self.engine_model_type is not None:
            asr["Params"] = {"engine_model_type": self.engine_model_type}
        if self.vad_silence_segmentation is not None:
            asr["VADSilenceSegmentation"] = self.vad_silence_segmentation
        body = self.validated_body(
            "StartAsrRequest",
            {"RoomId": self.room_id, "ASR": asr or None},
            {"RoomId": "room_id", "ASR.HotWord": "hot_words", "ASR.Params": "engine_model_type",
             "ASR.VADSilenceSegmentation": "vad_silence_segmentation"},
        )
        with self.make_hook() as hook:
            api_result = hook.run(self.call("StartRealtimeASRTask", body, endpoint="asr", idempotent=False))
        task = (api_result.data or {}).get("TaskId") if isinstance(api_result.data, dict) else None
        self.log.info("ZEGO realtime ASR task %s started for room %s", task, self.room_id)
        return self.result(api_result)


class StopASROperator(IdempotentStopMixin, ZegoBaseOperator):
    """Stop a realtime ASR task: ``StopRealtimeASRTask``. A task already ended (410001002) counts as stopped."""

    template_fields: Sequence[str] = ("asr_task_id", *_CALL_FIELDS)

    def __init__(self, *, asr_task_id: str, fail_if_not_found: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.asr_task_id = asr_task_id
        self.fail_if_not_found = fail_if_not_found

    def execute(self, context: Context) -> dict[str, Any]:
        body = self.validated_body("StopAsrRequest", {"TaskId": self.asr_task_id}, {"TaskId": "asr_task_id"})
        with self.make_hook() as hook:
            return self.run_stop(hook, self.call("StopRealtimeASRTask", body, endpoint="asr"))
