"""ZEGO RTC and Cloud Realtime ASR emulation: signature checks from the raw query, mix/ASR/room state."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Callable

from airflow_provider_rtc import catalogue
from airflow_provider_rtc.sandbox.server import RawRequest, Reply, VendorRoutes

SIGNATURE_WINDOW_SECONDS = 600  # ZEGO allows at most 10 minutes of clock difference

# What the sandbox serves is the catalogue: every catalogued action needs a ``_do_<Action>`` here
# (tests/unit/test_catalogue.py checks), and answers on the catalogue's host and method.
ACTIONS = {action.name: action for action in catalogue.actions("zego")}
ASR_ACTIONS = {name for name, action in ACTIONS.items() if action.host == "asr"}


class ZegoRoutes(VendorRoutes):
    vendor = "zego"

    def reset(self) -> None:
        self.mix_tasks: dict[str, dict[str, Any]] = {}
        self.asr_tasks: dict[str, dict[str, Any]] = {}
        # room id -> {"streams": [...], "users": int, "user_ids": [...]}; closed streams by id
        self.rooms: dict[str, dict[str, Any]] = {}
        self.closed_streams: set[str] = set()
        self.closed_rooms: list[dict[str, Any]] = []
        self.seen_nonces: dict[str, float] = {}

    # -- routing -------------------------------------------------------------------------------

    def matches(self, request: RawRequest) -> bool:
        return request.path == "/" and "Action" in request.query and "Version" not in request.query

    def action_of(self, request: RawRequest) -> str:
        return request.arg("Action") or ""

    def error_reply(self, request: RawRequest, code: int | str, message: str) -> Reply:
        return Reply.json({"Code": int(code), "Message": message, "RequestId": self._request_id()}, code=int(code))

    def _ok(self, data: Any = None) -> Reply:
        document: dict[str, Any] = {"Code": 0, "Message": "success", "RequestId": self._request_id()}
        if data is not None:
            document["Data"] = data
        return Reply.json(document, code=0)

    def _request_id(self) -> str:
        return f"sandbox-zego-{next(self._ids)}"

    # -- verification, the way ZEGO's gateway does it -------------------------------------------

    def verify(self, request: RawRequest) -> Reply | None:
        app_id = request.arg("AppId")
        if not app_id or not app_id.isdigit():
            return self.error_reply(request, 100000001, "AppId format error")
        timestamp = request.arg("Timestamp")
        if not timestamp:
            return self.error_reply(request, 100000002, "Timestamp empty")
        if not timestamp.lstrip("-").isdigit():
            return self.error_reply(request, 100000003, "Timestamp format error")
        if abs(self.clock() - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
            return self.error_reply(request, 100000004, "signature expired")
        nonce = request.arg("SignatureNonce")
        if not nonce:
            return self.error_reply(request, 100000008, "SignatureNonce empty")
        signature = request.arg("Signature")
        if not signature:
            return self.error_reply(request, 100000009, "Signature empty")
        version = request.arg("SignatureVersion")
        if not version:
            return self.error_reply(request, 100000013, "SignatureVersion empty")
        if version != "2.0":
            return self.error_reply(request, 100000014, "SignatureVersion unsupported")
        credentials = self.sandbox.credentials["zego"]
        if int(app_id) != credentials["app_id"]:
            return self.error_reply(request, 100000010, "cannot get ServerSecret, check AppId")
        expected = hashlib.md5(f"{app_id}{nonce}{credentials['server_secret']}{timestamp}".encode()).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return self.error_reply(request, 100000005, "signature error")
        now = self.clock()
        with self.sandbox.lock:
            # Forget nonces older than the window from the front: the dict is in arrival order, so
            # this is O(1) per request. Rebuilding it on every request cost O(requests in the last
            # 10 minutes): at a load test's 200 requests/s, tens of ms per request within minutes.
            while self.seen_nonces:
                oldest, seen_at = next(iter(self.seen_nonces.items()))
                if now - seen_at <= SIGNATURE_WINDOW_SECONDS:
                    break
                del self.seen_nonces[oldest]
            last_seen = self.seen_nonces.get(nonce)
            # The age check keeps the verdict exact even if a test's clock went backwards, leaving
            # an expired nonce behind a newer one.
            if last_seen is not None and now - last_seen <= SIGNATURE_WINDOW_SECONDS:
                # ZEGO does not document a separate code for a replayed nonce; a replay is refused
                # as a bad signature, which is what a client that reuses nonces must see.
                return self.error_reply(request, 100000005, "signature error: SignatureNonce already used")
            self.seen_nonces.pop(nonce, None)  # re-inserted at the end: arrival order stays time order
            self.seen_nonces[nonce] = now
        if not request.arg("Action"):
            return self.error_reply(request, 100000006, "Action empty")
        return None

    # -- actions ---------------------------------------------------------------------------------

    def handle(self, request: RawRequest) -> Reply:
        refused = self.verify(request)
        if refused is not None:
            return refused
        action = self.action_of(request)
        handler = getattr(self, f"_do_{action}", None)
        if handler is None or action not in ACTIONS:
            return self.error_reply(request, 100000007, f"Action {action} not supported")
        if request.method != ACTIONS[action].method:
            return self.error_reply(request, 100000007, f"Action {action} takes {ACTIONS[action].method}")
        if request.method == "POST":
            try:
                body = request.json_body() or {}
            except ValueError:
                body = None
            if not isinstance(body, dict):
                code = 410000004 if action in ASR_ACTIONS else 110200004
                return self.error_reply(request, code, "cannot parse request body")
        else:
            body = {}
        with self.sandbox.lock:
            return handler(request, body)

    def _missing(self, request: RawRequest, body: dict, *fields: str, code: int = 110200002) -> Reply | None:
        for name in fields:
            if body.get(name) in (None, "", []):
                return self.error_reply(request, code, f"{name} is required")
        return None

    def _do_StartAutoMix(self, request: RawRequest, body: dict) -> Reply:
        if refused := self._missing(request, body, "TaskId", "UserId", "RoomId", "MixOutput"):
            return refused
        outputs = body["MixOutput"]
        if not isinstance(outputs, list) or not 1 <= len(outputs) <= 3:
            return self.error_reply(request, 110200002, "MixOutput must hold 1 to 3 outputs")
        task = self.mix_tasks.get(body["TaskId"])
        if task and task["UserId"] != body["UserId"]:
            return self.error_reply(request, 110200003, "TaskId belongs to another UserId")
        self.mix_tasks[body["TaskId"]] = {
            "TaskId": body["TaskId"], "UserId": body["UserId"], "RoomId": body["RoomId"], "auto": True,
            "MixOutput": outputs, "started": task["started"] if task else self.clock(),
            "Sequence": body.get("Sequence", 0),
        }
        play_info = [
            # Like ZEGO's documented example answer: CDN pull URLs per protocol (seed zego-start-auto-mix.txt,
            # PlayInfo). ".invalid" never resolves, so nothing can ever be fetched from them.
            {"StreamId": o.get("StreamId", ""), "RTMP": f"rtmp://sandbox/live/{o.get('StreamId', 'url')}",
             "HLS": f"http://sandbox-cdn.invalid/live/{o.get('StreamId', 'url')}/playlist.m3u8",
             "FLV": f"http://sandbox-cdn.invalid/live/{o.get('StreamId', 'url')}.flv", "Status": 0, "UserName": ""}
            for o in outputs
        ]
        return self._ok({"UserId": body["UserId"], "Sequence": body.get("Sequence", 0), "RoomId": body["RoomId"],
                         "PlayInfo": play_info})

    def _stop_mix(self, request: RawRequest, body: dict, *required: str) -> Reply:
        if refused := self._missing(request, body, *required):
            return refused
        task = self.mix_tasks.get(body["TaskId"])
        if task is None or ("RoomId" in body and task["RoomId"] != body["RoomId"]):
            return self.error_reply(request, 110209001, "mix task does not exist")
        if body.get("UserId") and body["UserId"] != task["UserId"]:
            return self.error_reply(request, 110200003, "TaskId belongs to another UserId")
        del self.mix_tasks[body["TaskId"]]
        self.sandbox.callbacks.mix_stopped(task["RoomId"], body["TaskId"])
        return self._ok()

    def _do_StopMix(self, request: RawRequest, body: dict) -> Reply:
        return self._stop_mix(request, body, "TaskId")

    def _do_StopAutoMix(self, request: RawRequest, body: dict) -> Reply:
        return self._stop_mix(request, body, "TaskId", "RoomId")

    def _do_GetMixTaskInfo(self, request: RawRequest, body: dict) -> Reply:
        task = self.mix_tasks.get(request.arg("TaskId") or "")
        if task is None:
            return self.error_reply(request, 110209001, "mix task does not exist")
        return self._ok({"TaskInfo": {"TaskId": task["TaskId"], "MixDuration": int(self.clock() - task["started"])}})

    def _room(self, room_id: str) -> dict[str, Any]:
        return self.rooms.setdefault(room_id, {"streams": [], "users": 0, "user_ids": []})

    def _do_DescribeSimpleStreamList(self, request: RawRequest, body: dict) -> Reply:
        room_id = request.arg("RoomId")
        if not room_id:
            return self.error_reply(request, 110200002, "RoomId is required")
        streams = self.rooms.get(room_id, {}).get("streams", [])
        return self._ok({"StreamList": [dict(s) for s in streams]})

    def _do_DescribeUserNum(self, request: RawRequest, body: dict) -> Reply:
        room_ids = request.query.get("RoomId[]", [])
        if not room_ids or len(room_ids) > 10:
            return self.error_reply(request, 110200002, "RoomId[] must name 1 to 10 rooms")
        counts = [{"RoomId": r, "UserCount": self.rooms.get(r, {}).get("users", 0), "AdminUserCount": 0}
                  for r in room_ids]
        return self._ok({"UserCountList": counts})

    def _do_DescribeUsers(self, request: RawRequest, body: dict) -> Reply:
        room_id = request.arg("RoomId")
        user_ids = request.query.get("UserId[]", [])
        if not room_id or not 1 <= len(user_ids) <= 10:
            return self.error_reply(request, 110200002, "RoomId and 1 to 10 UserId[] are required")
        room = self.rooms.get(room_id)
        if room is None:
            return self.error_reply(request, 50001, "room does not exist")
        # Status 1 in the room, 0 not (the sandbox's reading; ZEGO's values are not in the digest).
        return self._ok({"UserStatusList": [
            {"UserId": user, "Status": 1 if user in room["user_ids"] else 0, "LoginTime": 0, "UserRole": 1}
            for user in user_ids]})

    def _do_DescribeRTCStreamState(self, request: RawRequest, body: dict) -> Reply:
        stream_id, sequence = request.arg("StreamId"), request.arg("Sequence")
        if not stream_id or not sequence:
            return self.error_reply(request, 110200002, "StreamId and Sequence are required")
        live = any(s["StreamId"] == stream_id for room in self.rooms.values() for s in room["streams"])
        if live:
            return self._ok({"StreamId": stream_id})
        if stream_id in self.closed_streams:
            return self.error_reply(request, 41006, "stream closed")
        return self.error_reply(request, 41004, "stream does not exist")

    def _do_CloseRoom(self, request: RawRequest, body: dict) -> Reply:
        room_id = request.arg("RoomId")
        if not room_id:
            return self.error_reply(request, 110200002, "RoomId is required")
        reason = request.arg("CustomReason") or ""
        if len(reason.encode()) > 256:
            return self.error_reply(request, 110200002, "CustomReason longer than 256 bytes")
        room = self.rooms.pop(room_id, None)
        if room is None:
            # doc-zh.zego.im/article/14179: 5024 "room does not exist".
            return self.error_reply(request, 5024, "room does not exist")
        self.closed_streams.update(s["StreamId"] for s in room["streams"])
        self.closed_rooms.append({"RoomId": room_id, "CustomReason": reason,
                                  "RoomCloseCallback": request.arg("RoomCloseCallback")})
        return self._ok()

    def _do_StartRealtimeASRTask(self, request: RawRequest, body: dict) -> Reply:
        if refused := self._missing(request, body, "RoomId", code=410000003):
            return refused
        task_id = f"asr-{next(self._ids)}"
        self.asr_tasks[task_id] = {"TaskId": task_id, "RoomId": body["RoomId"], "ASR": body.get("ASR")}
        return self._ok({"TaskId": task_id})

    def _do_StopRealtimeASRTask(self, request: RawRequest, body: dict) -> Reply:
        if refused := self._missing(request, body, "TaskId", code=410000003):
            return refused
        if self.asr_tasks.pop(body["TaskId"], None) is None:
            return self.error_reply(request, 410001002, "ASR task not found")
        return self._ok()

    # -- state the tests (and the demo) steer ------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        with self.sandbox.lock:
            return {"mix_tasks": sorted(self.mix_tasks), "asr_tasks": sorted(self.asr_tasks),
                    "rooms": {k: dict(v) for k, v in self.rooms.items()}, "closed_rooms": list(self.closed_rooms),
                    "closed_streams": sorted(self.closed_streams)}

    def add_stream(self, room_id: str, stream_id: str, user_id: str = "host") -> None:
        with self.sandbox.lock:
            room = self._room(room_id)
            room["streams"].append({"StreamId": stream_id, "UserId": user_id, "UserName": user_id,
                                    "CreateTime": int(self.clock()), "StreamNumberId": len(room["streams"]) + 1})

    def remove_streams(self, room_id: str) -> None:
        with self.sandbox.lock:
            room = self._room(room_id)
            closed = room["streams"]
            self.closed_streams.update(s["StreamId"] for s in closed)
            room["streams"] = []
        self.sandbox.callbacks.streams_closed(room_id, closed)

    def join(self, room_id: str, user_id: str) -> None:
        """A user logs into a room (DescribeUsers sees them; DescribeUserNum counts them)."""
        with self.sandbox.lock:
            room = self._room(room_id)
            if user_id not in room["user_ids"]:
                room["user_ids"].append(user_id)
                room["users"] += 1

    def leave(self, room_id: str, user_id: str) -> None:
        with self.sandbox.lock:
            room = self._room(room_id)
            if user_id in room["user_ids"]:
                room["user_ids"].remove(user_id)
                room["users"] = max(0, room["users"] - 1)

    def set_users(self, room_id: str, count: int) -> None:
        with self.sandbox.lock:
            self._room(room_id)["users"] = count

    def control(self, payload: dict) -> Any:
        command = payload.pop("command")
        handlers: dict[str, Callable[..., Any]] = {
            "add_stream": self.add_stream, "remove_streams": self.remove_streams, "set_users": self.set_users,
            "join": self.join, "leave": self.leave}
        return handlers[command](**payload)
