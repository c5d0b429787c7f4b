"""Tencent live engine request bodies (seeds/tencent-resume-mcu-task.txt, VENDOR_APIS.md section 3).

Only what the documentation states is enforced; where it is silent the model accepts what
Tencent may accept and lets the server judge.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from airflow_provider_rtc.models.base import Int32, IntLiteral, Printable, VendorModel

ROOM_ID_MAX_BYTES = 48


def _room_id_bytes(value: str) -> str:
    size = len(value.encode("utf-8"))
    if size > ROOM_ID_MAX_BYTES:
        # Tencent counts bytes, not characters: 16 CJK characters are already 48 bytes.
        raise ValueError(f"must be at most {ROOM_ID_MAX_BYTES} bytes in UTF-8, got {size}")
    return value


RoomId = Annotated[str, Field(min_length=1), AfterValidator(_room_id_bytes), Printable]

GRID_LAYOUT = 0
CUSTOM_LAYOUT = 1000


class ResumeMcuTaskRequest(VendorModel):
    RoomId: RoomId


class MixVideoEncode(VendorModel):
    Width: Annotated[Int32, Field(gt=0)]
    Height: Annotated[Int32, Field(gt=0)]


class MixLayoutInfo(VendorModel):
    # The digest names LayoutList but not the shape of its entries, so they pass through as
    # dicts with Tencent's own field names and Tencent judges them.
    LayoutList: list[dict[str, Any]] | None = None
    MaxUserLayout: Annotated[Int32, Field(ge=0)] | None = None


class SetMixStreamRequest(VendorModel):
    RoomId: RoomId
    LayoutMode: Annotated[Literal[0, 1000], IntLiteral]
    VideoEncode: MixVideoEncode | None = None
    # Not required for LayoutMode 1000: the documentation does not say a custom layout must come
    # with every call (Tencent may keep the room's current one), so that rule is not invented here.
    LayoutInfo: MixLayoutInfo | None = None


class GetRoomInfoRequest(VendorModel):
    """``get_room_info`` (what :class:`~airflow_provider_rtc.sensors.tencent.TencentRoomSensor` polls)."""

    RoomId: RoomId


class DestroyRoomRequest(VendorModel):
    """``destroy_room`` (https://tencentcloud.com/document/product/647/63422): RoomId only."""

    RoomId: RoomId
