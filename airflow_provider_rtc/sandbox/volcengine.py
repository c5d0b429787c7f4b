"""Volcengine (and BytePlus) RTC OpenAPI emulation: V4 verification from the raw request, segment
tasks and room occupancy.

Signatures are checked by :mod:`airflow_provider_rtc.sandbox.volcengine_verify`, which rebuilds the
canonical request from the wire independently of the client's signer. Gateway failures answer
with the gateway's code, CodeN and non-200 status; RTC business errors of the 2020-12-01 and
2022-06-01 APIs answer HTTP 200 with ``ResponseMetadata.Error``, as those versions do.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Callable

from airflow_provider_rtc import catalogue
from airflow_provider_rtc.sandbox.server import RawRequest, Reply, VendorRoutes
from airflow_provider_rtc.sandbox.volcengine_verify import verify_v4

DEFAULT_REGION = "cn-north-1"
DEFAULT_SERVICE = "rtc"
BYTEPLUS_REGION = "ap-singapore-1"

# Gateway codes: name -> (CodeN, HTTP status), from the public error-code page.
GATEWAY_CODES: dict[str, tuple[int, int]] = {
    "MissingParameter": (100002, 400),
    "MissingAuthenticationToken": (100003, 401),
    "MissingRequestInfo": (100004, 400),
    "MissingSignature": (100005, 401),
    "InvalidTimestamp": (100006, 400),
    "ServiceNotFound": (100007, 404),
    "InvalidActionOrVersion": (100008, 404),
    "InvalidAccessKey": (100009, 401),
    "SignatureDoesNotMatch": (100010, 401),
    "LackPolicy": (100012, 403),
    "AccessDenied": (100013, 403),
}
_GATEWAY_BY_CODEN = {code_n: name for name, (code_n, _) in GATEWAY_CODES.items()}

# Versions that report business errors with HTTP 200 (VENDOR_APIS.md section 2).
HTTP_200_ERROR_VERSIONS = frozenset({"2020-12-01", "2022-06-01"})

ID_RULE = re.compile(r"[a-zA-Z0-9_@\-\.]{1,128}")

# Segment task status (GetSegmentTask).
RUNNING, ENDED, FAILED = 2, 3, 4

_DEFAULT_MAX_IDLE_TIME = 180
_DEFAULT_DURATION = 20

# Older versions the sandbox also answers (the earlier digest polled GetSegmentTask as 2023-11-01).
_ALSO_SERVED = {"GetSegmentTask": ("2023-11-01",)}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def catalogue_routes() -> dict[tuple[str, str], str]:
    """(Action, Version) -> handler, for every catalogued action and each of its versions: an action
    added to the catalogue needs its ``_<snake_case>`` handler here (tests/unit/test_catalogue.py)."""
    routes = {}
    for action in catalogue.actions("volcengine"):
        for version in {action.version, action.byteplus_version, *_ALSO_SERVED.get(action.name, ())} - {None}:
            routes[(action.name, version)] = f"_{_snake(action.name)}"
    return routes


def _now_ms(clock: Callable[[], float]) -> int:
    return int(clock() * 1000)


class VolcengineRoutes(VendorRoutes):
    """Volcengine RTC in the sandbox.

    ``region`` / ``service`` are the credential scope the sandbox expects (switch ``region`` to
    ``ap-singapore-1``, or call :meth:`configure` with ``flavour="byteplus"``, to act as BytePlus);
    ``session_tokens`` maps AccessKeyId -> the X-Security-Token that AK must present (STS).
    """

    vendor = "volcengine"

    ACTIONS = catalogue_routes()

    def reset(self) -> None:
        self.region = DEFAULT_REGION
        self.service = DEFAULT_SERVICE
        self.flavour = "volcengine"
        self.session_tokens: dict[str, str] = {}
        # (AppId, RoomId, TaskId) -> task
        self.segment_tasks: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.record_tasks: dict[tuple[str, str, str], dict[str, Any]] = {}
        # (AppId, RoomId) -> {"users": [user ids], "invisible": [user ids], "exists": bool}
        self.rooms: dict[tuple[str, str], dict[str, Any]] = {}
        # (AppId, RoomId) -> the ForbiddenInterval of the last BanRoomUser (0: kicked, may rejoin)
        self.bans: dict[tuple[str, str], int] = {}

    @property
    def credentials(self) -> dict[str, Any]:
        return self.sandbox.credentials["volcengine"]

    # -- routing -------------------------------------------------------------------------------

    def matches(self, request: RawRequest) -> bool:
        if request.path != "/":
            return False
        return "Version" in request.query or request.headers.get("authorization", "").startswith("HMAC-SHA256")

    def action_of(self, request: RawRequest) -> str:
        return request.arg("Action") or ""

    # -- envelopes -----------------------------------------------------------------------------

    def _request_id(self) -> str:
        stamp = datetime.fromtimestamp(self.clock(), timezone.utc).strftime("%Y%m%d%H%M%S")
        return f"{stamp}sandbox{next(self._ids):08d}"

    def _metadata(self, request: RawRequest) -> dict[str, Any]:
        return {
            "RequestId": self._request_id(),
            "Action": request.arg("Action") or "",
            "Version": request.arg("Version") or "",
            "Service": self.service,
            "Region": self.region,
        }

    def _ok(self, request: RawRequest, result: Any) -> Reply:
        return Reply.json({"ResponseMetadata": self._metadata(request), "Result": result}, code="ok")

    def error_reply(self, request: RawRequest, code: int | str, message: str) -> Reply:
        """The envelope for ``code``: a gateway code (by name or CodeN) or an RTC business code."""
        name = _GATEWAY_BY_CODEN.get(code, str(code)) if isinstance(code, int) else str(code)
        metadata = self._metadata(request)
        if name in GATEWAY_CODES:
            code_n, status = GATEWAY_CODES[name]
            metadata["Error"] = {"CodeN": code_n, "Code": name, "Message": message}
            return Reply.json({"ResponseMetadata": metadata}, status=status, code=name)
        metadata["Error"] = {"Code": name, "Message": message}
        return Reply.json({"ResponseMetadata": metadata}, status=self._business_status(request, name), code=name)

    @staticmethod
    def _business_status(request: RawRequest, code: str) -> int:
        if (request.arg("Version") or "") in HTTP_200_ERROR_VERSIONS:
            return 200
        # Newer versions use HTTP statuses; these are the sandbox's choice, not documented per code.
        # Throttling (FlowLimitExceeded, ServiceFlowLimitExceeded, ...) is a 429, unavailability a 503.
        if "FlowLimitExceeded" in code:
            return 429
        if code == "ServiceUnavailableTemp":  # 503 per volcengine.com/docs/6448/76370
            return 503
        if code == "InvalidParameter.ErrorActiveTaskNotFound":
            return 404
        if code == "InvalidParameter.TaskAlreadyExists":
            return 409
        if code.startswith("Internal"):
            return 500
        return 400

    # -- verification --------------------------------------------------------------------------

    def verify(self, request: RawRequest) -> Reply | None:
        if not request.arg("Action") or not request.arg("Version"):
            return self.error_reply(request, "MissingParameter", "The request is missing Action or Version parameter.")
        credentials = self.credentials
        verdict = verify_v4(
            method=request.method,
            raw_path=request.path,
            raw_query=request.raw_query,
            headers=request.headers,
            body=request.body,
            secrets={credentials["access_key_id"]: credentials["secret_access_key"]},
            session_tokens=self.session_tokens,
            now=datetime.fromtimestamp(self.clock(), timezone.utc),
            region=self.region,
            service=self.service,
        )
        if not verdict.ok:
            return self.error_reply(request, verdict.error_code or "SignatureDoesNotMatch", verdict.message)
        return None

    # -- actions -------------------------------------------------------------------------------

    def handle(self, request: RawRequest) -> Reply:
        refused = self.verify(request)
        if refused is not None:
            return refused
        action, version = request.arg("Action"), request.arg("Version")
        handler_name = self.ACTIONS.get((action or "", version or ""))
        if handler_name is None:
            return self.error_reply(request, "InvalidActionOrVersion",
                                    f"Could not find operation {action} for version {version}.")
        if request.method == "GET":
            params = {key: values[0] for key, values in request.query.items() if values}
        else:
            if not request.body:
                return self.error_reply(request, "InvalidParameter.BodyIsEmpty", "request body is empty")
            try:
                params = request.json_body()
            except ValueError:
                params = None
            if not isinstance(params, dict):
                return self.error_reply(request, "InvalidParameter.Unmarshal", "cannot unmarshal the body as an object")
        with self.sandbox.lock:
            return getattr(self, handler_name)(request, params)

    def _check_ids(self, request: RawRequest, params: dict, required: tuple[str, ...],
                   optional: tuple[str, ...] = ()) -> Reply | None:
        for name in required:
            if params.get(name) in (None, ""):
                return self.error_reply(request, "MissingParameter", f"The request is missing {name} parameter.")
        if params["AppId"] != self.credentials["app_id"]:
            return self.error_reply(request, "InvalidParameter.NotExistAppId", f"AppId {params['AppId']} does not exist")
        for name in (*required, *optional):
            value = params.get(name)
            if value is None or name == "AppId":
                continue
            if not isinstance(value, str) or not ID_RULE.fullmatch(value):
                # Only IllegalRoomID is in the digest; the others follow its pattern.
                code = {"RoomId": "IllegalRoomID", "TaskId": "IllegalTaskID"}.get(name, f"Illegal{name}")
                return self.error_reply(request, f"InvalidParameter.{code}", f"{name} must match {ID_RULE.pattern}")
        return None

    def _start_segment(self, request: RawRequest, body: dict) -> Reply:
        if refused := self._check_ids(request, body, ("AppId", "RoomId", "TaskId"), ("BusinessId", "Identifier")):
            return refused
        key = (body["AppId"], body["RoomId"], body["TaskId"])
        task = self.segment_tasks.get(key)
        if task is not None and task["Status"] == RUNNING:
            return self.error_reply(request, "InvalidParameter.TaskAlreadyExists",
                                    f"task {body['TaskId']} is already running in room {body['RoomId']}")
        streams = (body.get("TargetStreams") or {}).get("StreamList") or []
        if len(streams) > 17:
            return self.error_reply(request, "InvalidParameter.TargetStreams", "at most 17 streams")
        # Documented behaviour: out-of-range values are silently replaced by the defaults.
        max_idle = body.get("MaxIdleTime")
        if not isinstance(max_idle, int) or isinstance(max_idle, bool) or not 1 <= max_idle <= 86400:
            max_idle = _DEFAULT_MAX_IDLE_TIME
        duration = body.get("Duration")
        if not isinstance(duration, int) or isinstance(duration, bool) or not 1 <= duration <= 600:
            duration = _DEFAULT_DURATION
        self.segment_tasks[key] = {
            "AppId": body["AppId"], "RoomId": body["RoomId"], "TaskId": body["TaskId"],
            "BusinessId": body.get("BusinessId", ""), "StartTime": _now_ms(self.clock), "EndTime": 0,
            "Status": RUNNING, "StopReason": "", "MaxIdleTime": max_idle, "Duration": duration,
            "TargetStreams": body.get("TargetStreams") or {"StreamList": []},
            "Identifier": body.get("Identifier", ""), "Handle": body.get("Handle", True),
            "StorageConfig": body.get("StorageConfig"), "Control": body.get("Control"),
            "Version": request.arg("Version"),
        }
        return self._ok(request, "ok")

    def _stop_segment(self, request: RawRequest, body: dict) -> Reply:
        if refused := self._check_ids(request, body, ("AppId", "RoomId", "TaskId"), ("BusinessId",)):
            return refused
        task = self.segment_tasks.get((body["AppId"], body["RoomId"], body["TaskId"]))
        if task is None or task["Status"] != RUNNING:
            return self.error_reply(request, "InvalidParameter.ErrorActiveTaskNotFound",
                                    "the task does not exist or has stopped")
        self._end(task, ENDED, "StopByAPI")
        return self._ok(request, "ok")

    def _get_segment_task(self, request: RawRequest, query: dict) -> Reply:
        if refused := self._check_ids(request, query, ("AppId", "RoomId", "TaskId")):
            return refused
        task = self.segment_tasks.get((query["AppId"], query["RoomId"], query["TaskId"]))
        if task is None:
            # The real API's answer for an unknown task is not documented; not-found is the closest.
            return self.error_reply(request, "InvalidParameter.ErrorActiveTaskNotFound", "no such segment task")
        public = ("StartTime", "EndTime", "Status", "StopReason", "MaxIdleTime", "TargetStreams", "Duration",
                  "Identifier", "Handle")
        return self._ok(request, {"SegmentTask": {name: task[name] for name in public}})

    def _get_room_online_users(self, request: RawRequest, query: dict) -> Reply:
        if refused := self._check_ids(request, query, ("AppId", "RoomId")):
            return refused
        exists_field = "RoomExist" if self.flavour == "byteplus" else "RoomExists"
        room = self.rooms.get((query["AppId"], query["RoomId"]))
        if room is None or not room["exists"]:
            return self._ok(request, {exists_field: False})  # no other fields when the room does not exist
        return self._ok(request, {
            "TotalUser": len(room["users"]) + len(room["invisible"]),
            "TotalInvisibleUser": len(room["invisible"]),
            "VisibleUserList": list(room["users"]),
            "InvisibleUserList": list(room["invisible"]),
            exists_field: True,
        })

    def _start_record(self, request: RawRequest, body: dict) -> Reply:
        if refused := self._check_ids(request, body, ("AppId", "RoomId", "TaskId"), ("BusinessId",)):
            return refused
        key = (body["AppId"], body["RoomId"], body["TaskId"])
        task = self.record_tasks.get(key)
        if task is not None and task["Status"] == RUNNING:
            return self.error_reply(request, "InvalidParameter.TaskAlreadyExists",
                                    f"task {body['TaskId']} is already recording room {body['RoomId']}")
        streams = (body.get("TargetStreams") or {}).get("StreamList") or []
        if len(streams) > 17:
            return self.error_reply(request, "InvalidParameter.TargetStreams", "at most 17 streams")
        self.record_tasks[key] = {
            "AppId": body["AppId"], "RoomId": body["RoomId"], "TaskId": body["TaskId"],
            "StartTime": _now_ms(self.clock), "EndTime": 0, "Status": RUNNING, "StopReason": "",
            "RecordMode": body.get("RecordMode", 0), "RecordFileList": [], "Version": request.arg("Version"),
        }
        return self._ok(request, "ok")

    def _stop_record(self, request: RawRequest, body: dict) -> Reply:
        if refused := self._check_ids(request, body, ("AppId", "RoomId", "TaskId"), ("BusinessId",)):
            return refused
        task = self.record_tasks.get((body["AppId"], body["RoomId"], body["TaskId"]))
        if task is None or task["Status"] != RUNNING:
            return self.error_reply(request, "InvalidParameter.ErrorActiveTaskNotFound",
                                    "the task does not exist or has stopped")
        self._end(task, ENDED, "StopByAPI")
        return self._ok(request, "ok")

    def _get_record_task(self, request: RawRequest, query: dict) -> Reply:
        if refused := self._check_ids(request, query, ("AppId", "RoomId", "TaskId")):
            return refused
        task = self.record_tasks.get((query["AppId"], query["RoomId"], query["TaskId"]))
        if task is None:
            return self.error_reply(request, "InvalidParameter.ErrorActiveTaskNotFound", "no such record task")
        public = ("StartTime", "EndTime", "Status", "StopReason", "RecordFileList")
        return self._ok(request, {"RecordTask": {name: task[name] for name in public}})

    def _ban_room_user(self, request: RawRequest, body: dict) -> Reply:
        if refused := self._check_ids(request, body, ("AppId", "RoomId"), ("UserId",)):
            return refused
        interval = body.get("ForbiddenInterval") or 0
        if not isinstance(interval, int) or isinstance(interval, bool) or interval < 0:
            return self.error_reply(request, "InvalidParameter.ForbiddenInterval", "ForbiddenInterval must be >= 0")
        # Documented clamping: 1..59 become 60, above 259290 becomes 259290. Banning a room nobody is
        # in is allowed ("preemptive banning is supported"), so this never answers not-found.
        interval = 0 if interval == 0 else min(max(interval, 60), 259290)
        key = (body["AppId"], body["RoomId"])
        self.bans[key] = interval
        room = self.rooms.get(key)
        if room is not None and not body.get("UserId"):
            room.update(users=[], invisible=[])
        return self._ok(request, "success")

    def _end(self, task: dict[str, Any], status: int, reason: str) -> None:
        task.update(Status=status, StopReason=reason, EndTime=_now_ms(self.clock))

    # -- state the tests (and sensors) steer ------------------------------------------------------

    def configure(self, region: str | None = None, service: str | None = None, flavour: str | None = None) -> dict:
        """Switch the expected credential scope; ``flavour="byteplus"`` also implies ap-singapore-1."""
        with self.sandbox.lock:
            if flavour is not None:
                if flavour not in ("volcengine", "byteplus"):
                    raise ValueError(f"unknown flavour {flavour!r}")
                self.flavour = flavour
                if region is None:
                    region = BYTEPLUS_REGION if flavour == "byteplus" else DEFAULT_REGION
            if region is not None:
                self.region = region
            if service is not None:
                self.service = service
            return {"region": self.region, "service": self.service, "flavour": self.flavour}

    def add_session_token(self, token: str, access_key_id: str | None = None) -> None:
        """Make ``access_key_id`` (default: the sandbox AK) an STS key that must present ``token``."""
        with self.sandbox.lock:
            self.session_tokens[access_key_id or self.credentials["access_key_id"]] = token

    def _task(self, room_id: str, task_id: str, app_id: str | None) -> dict[str, Any]:
        key = (app_id or self.credentials["app_id"], room_id, task_id)
        if key not in self.segment_tasks:
            raise KeyError(f"no segment task {task_id!r} in room {room_id!r}")
        return self.segment_tasks[key]

    def end_segment(self, room_id: str, task_id: str, stop_reason: str = "IdleTimeOut",
                    app_id: str | None = None) -> None:
        """The vendor ended the task by itself (status 3), e.g. after MaxIdleTime."""
        with self.sandbox.lock:
            self._end(self._task(room_id, task_id, app_id), ENDED, stop_reason)

    def fail_segment(self, room_id: str, task_id: str, stop_reason: str = "StartTaskFailed",
                     app_id: str | None = None) -> None:
        """The task failed (status 4)."""
        with self.sandbox.lock:
            self._end(self._task(room_id, task_id, app_id), FAILED, stop_reason)

    def end_record(self, room_id: str, task_id: str, stop_reason: str = "IdleTimeOut",
                   app_id: str | None = None, files: list[dict] | None = None, failed: bool = False) -> None:
        """The vendor ended a recording by itself (status 3, or 4 when ``failed``), with its files."""
        with self.sandbox.lock:
            task = self.record_tasks[(app_id or self.credentials["app_id"], room_id, task_id)]
            task["RecordFileList"] = list(files or [{"Vid": f"{task_id}.mp4", "Duration": 1}])
            self._end(task, FAILED if failed else ENDED, stop_reason)

    def set_room_users(self, room_id: str, count: int | None = None, users: list[str] | None = None,
                       invisible: list[str] | None = None, exists: bool = True, app_id: str | None = None) -> None:
        """Who is in a room: ``users`` by id, or ``count`` generated ids; ``exists=False`` removes the room."""
        if users is None:
            users = [f"user-{n}" for n in range(1, int(count or 0) + 1)]
        with self.sandbox.lock:
            self.rooms[(app_id or self.credentials["app_id"], room_id)] = {
                "users": list(users), "invisible": list(invisible or []), "exists": bool(exists),
            }

    def snapshot(self) -> dict[str, Any]:
        with self.sandbox.lock:
            return {
                "region": self.region,
                "service": self.service,
                "flavour": self.flavour,
                "segment_tasks": [dict(task) for task in self.segment_tasks.values()],
                "record_tasks": [dict(task) for task in self.record_tasks.values()],
                "bans": [{"AppId": a, "RoomId": r, "ForbiddenInterval": i} for (a, r), i in self.bans.items()],
                "rooms": [{"AppId": app_id, "RoomId": room_id, **room} for (app_id, room_id), room in self.rooms.items()],
            }

    def control(self, payload: dict) -> Any:
        payload = dict(payload)
        command = payload.pop("command")
        handlers: dict[str, Callable[..., Any]] = {
            "configure": self.configure,
            "add_session_token": self.add_session_token,
            "end_segment": self.end_segment,
            "fail_segment": self.fail_segment,
            "end_record": self.end_record,
            "set_room_users": self.set_room_users,
        }
        return handlers[command](**payload)
