"""ZEGO request bodies with the limits ZEGO documents (seeds/zego-*.txt, VENDOR_APIS.md section 1)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from airflow_provider_rtc.models.base import Int, IntLiteral, Printable, VendorModel, max_utf8_bytes


def _bool_text(value):
    # A Jinja-rendered "true"/"false" means the bool; anything else is left to strict checking.
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


def _int_to_text(value):
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


NonEmpty = Annotated[str, StringConstraints(min_length=1, max_length=256), Printable]
# ZEGO documents a room id as a string of at most 128 bytes (the SDK's loginRoom creates rooms
# with that rule, so a longer id can never name a real room).
ROOM_ID_MAX_BYTES = 128
RoomId = Annotated[str, StringConstraints(min_length=1), max_utf8_bytes(ROOM_ID_MAX_BYTES), Printable]
STREAM_ID_PATTERN = r"^[A-Za-z0-9_\-]{1,256}$"
StreamIdText = Annotated[str, StringConstraints(pattern=STREAM_ID_PATTERN)]


class ExtraMixInputItem(VendorModel):
    StreamId: StreamIdText | None = None
    StreamUrl: Annotated[
        str, StringConstraints(pattern=r"^(rtmp|https?)://\S+$", max_length=1024), Printable
    ] | None = None
    ModifyType: Annotated[Literal[0, 1], IntLiteral] | None = None
    SoundLevelId: Annotated[Int, Field(ge=0, le=2**32 - 1)] | None = None
    Volume: Annotated[Int, Field(ge=0, le=200)] | None = None

    @model_validator(mode="after")
    def _needs_a_stream(self):
        if self.StreamId is None and self.StreamUrl is None:
            raise ValueError("needs StreamId or StreamUrl")
        if self.ModifyType == 1 and self.StreamId is None:
            raise ValueError("removing a stream (ModifyType 1) needs its StreamId")
        return self


class MixOutputItem(VendorModel):
    StreamId: StreamIdText | None = None
    StreamUrl: Annotated[str, StringConstraints(pattern=r"^rtmps?://\S+$", max_length=1024), Printable] | None = None
    AudioCodec: Annotated[Literal[0, 1, 2, 3], IntLiteral] | None = None
    AudioBitrate: Annotated[Int, Field(gt=0, le=1_000_000)] | None = None
    SoundChannel: Annotated[Literal[1, 2], IntLiteral] | None = None

    @model_validator(mode="after")
    def _needs_a_target(self):
        if self.StreamId is None and self.StreamUrl is None:
            raise ValueError("needs StreamId or StreamUrl (RTMP)")
        return self


class ExParaItem(VendorModel):
    Key: NonEmpty
    Value: Annotated[str, StringConstraints(max_length=4096)]


class StartAutoMixRequest(VendorModel):
    TaskId: NonEmpty
    UserId: NonEmpty
    RoomId: RoomId
    MixOutput: Annotated[list[MixOutputItem], Field(min_length=1, max_length=3)]
    ExtraMixInput: Annotated[list[ExtraMixInputItem], Field(max_length=9)] | None = None
    Sequence: Annotated[Int, Field(ge=0, le=2**63 - 1)] | None = None
    UserData: str | None = None
    SoundLevel: Annotated[Literal[0, 1], IntLiteral] | None = None
    ByPass: Annotated[Literal[0, 1], IntLiteral] | None = None
    # ZEGO documents this top-level one as a String ("1" or "2"), unlike MixOutput's Int.
    SoundChannel: Annotated[Literal["1", "2"], BeforeValidator(_int_to_text)] | None = None
    AlignmentType: Annotated[Literal[0, 1, 2], IntLiteral] | None = None
    RecvBufferLevel: Annotated[Int, Field(ge=0, le=4000)] | None = None
    ExPara: list[ExParaItem] | None = None

    @field_validator("UserData")
    @classmethod
    def _user_data_is_base64(cls, value: str | None):
        if value is None:
            return value
        if len(value.encode()) > 4000:
            raise ValueError("must be at most 4000 bytes (base64 text)")
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("must be base64-encoded") from None
        return value

    @field_validator("MixOutput")
    @classmethod
    def _distinct_outputs(cls, outputs: list[MixOutputItem]):
        urls = [output.StreamUrl for output in outputs if output.StreamUrl]
        if len(urls) != len(set(urls)):
            raise ValueError("two outputs may not use the same StreamUrl")
        return outputs

    @field_validator("SoundLevel")
    @classmethod
    def _sound_level_ids(cls, value: int | None, info: ValidationInfo):
        # A field validator, not a model one, so the error names sound_level instead of the whole
        # request (ExtraMixInput is declared first, so it is already in info.data when valid).
        inputs = info.data.get("ExtraMixInput") or ()
        if value == 1 and any(i.SoundLevelId is None for i in inputs if i.ModifyType != 1):
            raise ValueError("SoundLevel 1 needs a SoundLevelId on every added ExtraMixInput")
        return value


class StopMixRequest(VendorModel):
    TaskId: NonEmpty
    Sequence: Annotated[Int, Field(ge=0, le=2**63 - 1)] | None = None
    UserId: NonEmpty | None = None


class StopAutoMixRequest(StopMixRequest):
    RoomId: RoomId


# "word|weight,word|weight": the weight range is not in the digest, so only its shape is checked.
# Weights in ASCII digits: the pattern engine's \d would also take other scripts' digits.
HotWordList = Annotated[str, StringConstraints(pattern=r"^[^|,]+\|[0-9]+(?:,[^|,]+\|[0-9]+)*$"), Printable]


class AsrParams(VendorModel):
    engine_model_type: Literal["16k_zh", "16k_en", "16k_ar"] | None = None


class AsrConfig(VendorModel):
    HotWord: HotWordList | None = None
    Params: AsrParams | None = None
    VADSilenceSegmentation: Annotated[Int, Field(ge=200, le=2000)] | None = None

    @field_validator("HotWord")
    @classmethod
    def _at_most_128_words(cls, value: str | None):
        if value is not None and len(value.split(",")) > 128:
            raise ValueError("at most 128 hot words")
        return value


class StartAsrRequest(VendorModel):
    RoomId: RoomId
    ASR: AsrConfig | None = None


class StopAsrRequest(VendorModel):
    TaskId: NonEmpty


# -- what the sensors read (GET, parameters in the query) -----------------------------------------


class DescribeSimpleStreamListQuery(VendorModel):
    RoomId: RoomId


class DescribeUserNumQuery(VendorModel):
    RoomId: RoomId


class GetMixTaskInfoQuery(VendorModel):
    TaskId: NonEmpty


# -- closing a room and checking streams / users (GET, parameters in the query) --------------------
# https://www.zegocloud.com/docs/real-time-voice-server/api-reference/room/close (CloseRoom),
# .../media-service/describe-rtc-stream-state (DescribeRTCStreamState), VENDOR_APIS.md section 1.


class CloseRoomQuery(VendorModel):
    RoomId: RoomId
    # "Reason for closure, with a maximum length of 256 bytes" (CloseRoom page).
    CustomReason: Annotated[str, max_utf8_bytes(256), Printable] | None = None
    RoomCloseCallback: Annotated[bool, BeforeValidator(_bool_text)] | None = None


class DescribeRTCStreamStateQuery(VendorModel):
    StreamId: StreamIdText
    # Required and "customized by the user"; for one StreamId it must increase (a millisecond
    # timestamp is ZEGO's advice). Sent as text; an int is accepted and written out.
    Sequence: Annotated[str, BeforeValidator(_int_to_text), StringConstraints(pattern=r"^[0-9]{1,20}$")]


class DescribeUsersQuery(VendorModel):
    RoomId: RoomId
    # UserId[]: at most 10 users per call (VENDOR_APIS.md section 1).
    UserId: Annotated[list[NonEmpty], Field(min_length=1, max_length=10)]
