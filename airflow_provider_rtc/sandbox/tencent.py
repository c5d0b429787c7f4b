"""Tencent Cloud IM REST (live engine) emulation: URL and UserSig checks, room and mix state.

Checks run in the order a client most usefully learns about them: the URL's fixed parameters
(60002), the SDKAppID (60006), the UserSig (decode, SDKAppID, identifier, HMAC, expiry:
70002/70003/70014/70013/70009/70001), the admin identifier (60010), then the JSON body (60003).
Tencent answers HTTP 200 with its envelope for all of them.
"""

from __future__ import annotations

import uuid
from typing import Any, Callable

from airflow_provider_rtc.sandbox.server import RawRequest, Reply, VendorRoutes

# The sandbox's own UserSig check, written apart from the client's signer (issue 17).
from airflow_provider_rtc.sandbox.tencent_verify import UserSigRefused, check_usersig

PREFIX = "/v4/"
SERVICE = "live_engine_http_srv"
ROOM_ID_MAX_BYTES = 48
LAYOUT_MODES = (0, 1000)

# Mix task states of a room: never started (None), running, or paused (by the control API only:
# Tencent documents no pause command, but resume_mcu_task needs something to resume).
MIX_STATES = (None, "running", "paused")


class TencentRoutes(VendorRoutes):
    vendor = "tencent"

    def reset(self) -> None:
        self.rooms: dict[str, dict[str, Any]] = {}

    # -- routing -------------------------------------------------------------------------------

    def matches(self, request: RawRequest) -> bool:
        return request.path.startswith(PREFIX)

    def action_of(self, request: RawRequest) -> str:
        return request.path.rstrip("/").rsplit("/", 1)[-1]

    def error_reply(self, request: RawRequest, code: int | str, message: str) -> Reply:
        return self._envelope(int(code), message)

    def _envelope(self, code: int = 0, info: str = "", response: dict | None = None) -> Reply:
        document: dict[str, Any] = {
            "ActionStatus": "OK" if code == 0 else "FAIL",
            "ErrorCode": code,
            "ErrorInfo": info,
            "RequestId": f"Id-{uuid.uuid4().hex}-O-Seq-{next(self._ids)}",
        }
        if response is not None:
            document["Response"] = response
        return Reply.json(document, code=code)

    # -- verification, the way Tencent's REST gateway does it -----------------------------------

    def verify(self, request: RawRequest) -> Reply | None:
        if request.method != "POST":
            return self._envelope(60002, "REST API requests must be POST")
        parts = request.path.strip("/").split("/")
        if len(parts) != 3 or parts[1] != SERVICE:
            return self._envelope(60002, f"invalid URL: only /v4/{SERVICE}/<command> is emulated")
        sdkappid = request.arg("sdkappid") or ""
        identifier = request.arg("identifier") or ""
        random = request.arg("random") or ""
        if not sdkappid.isdigit() or not identifier:
            return self._envelope(60002, "invalid URL: sdkappid and identifier are required")
        if not random.isdigit() or int(random) > 0xFFFFFFFF:
            return self._envelope(60002, "invalid URL: random must be a 32-bit unsigned integer")
        if request.arg("contenttype") != "json":
            return self._envelope(60002, "invalid URL: contenttype must be json")
        credentials = self.sandbox.credentials["tencent"]
        if int(sdkappid) != credentials["sdkappid"]:
            return self._envelope(60006, "SDKAppID invalid")
        usersig = request.arg("usersig")
        if not usersig:
            return self._envelope(70002, "usersig is empty")
        try:
            check_usersig(usersig, sdkappid=int(sdkappid), key=credentials["key"], identifier=identifier,
                          now=int(self.clock()))
        except UserSigRefused as error:
            return self._envelope(error.code, f"usersig check failed: {error.reason}")
        if identifier != credentials["identifier"]:
            return self._envelope(60010, "identifier must be an App admin account")
        return None

    # -- commands ----------------------------------------------------------------------------------

    def handle(self, request: RawRequest) -> Reply:
        refused = self.verify(request)
        if refused is not None:
            return refused
        try:
            body = request.json_body()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return self._envelope(60003, "request body is not a JSON object")
        handler = getattr(self, f"_do_{self.action_of(request)}", None)
        if handler is None:
            return self._envelope(60002, f"invalid URL: command {self.action_of(request)!r} not supported")
        with self.sandbox.lock:
            return handler(body)

    def _room_id(self, body: dict) -> str | Reply:
        room_id = body.get("RoomId")
        if not isinstance(room_id, str) or not room_id:
            return self._envelope(100002, "RoomId is required")
        if len(room_id.encode("utf-8")) > ROOM_ID_MAX_BYTES:
            return self._envelope(100002, f"RoomId longer than {ROOM_ID_MAX_BYTES} bytes")
        return room_id

    def _existing_room(self, body: dict) -> dict | Reply:
        room_id = self._room_id(body)
        if isinstance(room_id, Reply):
            return room_id
        room = self.rooms.get(room_id)
        if room is None:
            return self._envelope(100004, "room does not exist or has been dissolved")
        return room

    def _do_resume_mcu_task(self, body: dict) -> Reply:
        room = self._existing_room(body)
        if isinstance(room, Reply):
            return room
        if room["mix"] is None:
            return self._envelope(100424, "mix stream task does not exist")
        room["mix"] = "running"
        room["resumes"] += 1
        return self._envelope()

    def _do_set_mix_stream(self, body: dict) -> Reply:
        room = self._existing_room(body)
        if isinstance(room, Reply):
            return room
        mode = body.get("LayoutMode")
        if not isinstance(mode, int) or isinstance(mode, bool):
            return self._envelope(100002, "LayoutMode must be an integer")
        if mode not in LAYOUT_MODES:
            return self._envelope(100429, "invalid mixing mode")
        video = body.get("VideoEncode")
        if video is not None and not (
            isinstance(video, dict)
            and all(isinstance(video.get(k), int) and not isinstance(video.get(k), bool) and video[k] > 0
                    for k in ("Width", "Height"))
        ):
            return self._envelope(100002, "VideoEncode needs positive integer Width and Height")
        layout = body.get("LayoutInfo")
        if layout is not None and not isinstance(layout, dict):
            return self._envelope(100002, "LayoutInfo must be an object")
        room["layout"] = {"LayoutMode": mode, "VideoEncode": video, "LayoutInfo": layout}
        room["layout_changes"] += 1
        return self._envelope()

    def _do_get_room_info(self, body: dict) -> Reply:
        room = self._existing_room(body)
        if isinstance(room, Reply):
            return room
        return self._envelope(response={"RoomInfo": dict(room["info"])})

    def _do_create_room(self, body: dict) -> Reply:
        nested = body.get("RoomInfo")
        info: dict = nested if isinstance(nested, dict) else body
        room_id = self._room_id(info)
        if isinstance(room_id, Reply):
            return room_id
        if room_id in self.rooms:
            # The digest documents no "room already exists" code; 100002 (invalid parameter) stands in.
            return self._envelope(100002, "room id already in use")
        self._create(room_id, room_name=info.get("RoomName"), owner_account=info.get("Owner_Account"),
                     room_type=info.get("RoomType"), mix=None)
        return self._envelope()

    def _do_destroy_room(self, body: dict) -> Reply:
        room = self._existing_room(body)
        if isinstance(room, Reply):
            return room
        del self.rooms[room["info"]["RoomId"]]
        self.sandbox.callbacks.room_dismissed(room["info"]["RoomId"])
        return self._envelope()

    def _create(self, room_id: str, *, room_name: str | None = None, owner_account: str | None = None,
                room_type: str | None = None, mix: str | None = "running") -> dict[str, Any]:
        if mix not in MIX_STATES:
            raise ValueError(f"mix must be one of {MIX_STATES}, got {mix!r}")
        room = {
            "info": {
                "RoomId": room_id,
                "RoomName": room_name or room_id,
                "RoomType": room_type or "Live",
                "Owner_Account": owner_account or "host",
                "CreateTime": int(self.clock()),
                # The digest names ActivityStatus without its values; the sandbox reports 1 for a live room.
                "ActivityStatus": 1,
            },
            "mix": mix,
            "resumes": 0,
            "layout": None,
            "layout_changes": 0,
        }
        self.rooms[room_id] = room
        return room

    # -- state the tests (and the demo) steer ------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        with self.sandbox.lock:
            return {
                "rooms": {
                    room_id: {"info": dict(room["info"]), "mix": room["mix"], "resumes": room["resumes"],
                              "layout": room["layout"], "layout_changes": room["layout_changes"]}
                    for room_id, room in self.rooms.items()
                }
            }

    def create_room(self, room_id: str, mix: str | None = "running", room_name: str | None = None,
                    owner_account: str | None = None) -> dict[str, Any]:
        """A room as TUILiveKit would create it; ``mix`` None means its mix task never started."""
        with self.sandbox.lock:
            return dict(self._create(room_id, room_name=room_name, owner_account=owner_account, mix=mix)["info"])

    def dissolve_room(self, room_id: str) -> None:
        with self.sandbox.lock:
            del self.rooms[room_id]
        self.sandbox.callbacks.room_dismissed(room_id)

    def pause_mix(self, room_id: str) -> None:
        """Pause a room's mix (an ad break), so ``resume_mcu_task`` has something to resume."""
        with self.sandbox.lock:
            room = self.rooms[room_id]
            if room["mix"] is None:
                raise ValueError(f"room {room_id!r} has no mix task to pause")
            room["mix"] = "paused"

    def control(self, payload: dict) -> Any:
        payload = dict(payload)
        command = payload.pop("command")
        handlers: dict[str, Callable[..., Any]] = {
            "create_room": self.create_room, "dissolve_room": self.dissolve_room, "pause_mix": self.pause_mix}
        return handlers[command](**payload)
