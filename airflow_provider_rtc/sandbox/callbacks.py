"""The sandbox as the vendor's callback sender: signed POSTs to a configured URL on state changes.

Configured per vendor (through ``Sandbox.callbacks.configure`` or the control API
``POST /_sandbox/callbacks``) with the receiver's URL and the callback secret, the sandbox signs
each event as its vendor does (``airflow_provider_rtc.signing.callbacks``), delivers it from a
background thread, and retries on a non-2xx answer or a network error on the vendor's schedule
(scaled by ``retry_scale`` so tests need not wait a minute). It can be told to misbehave for the
next deliveries: ``bad_signature``, ``stale`` (signed, but with a timestamp outside every window),
``replay`` (the previous delivery's signature reused on other content, as an attacker who captured
one would) and ``duplicate`` (the same delivery twice, as at-least-once vendors do).

Events it sends by itself: ZEGO ``mix_stop`` (a mix stopped) and ``stream_close`` (streams removed),
Tencent ``Live.CallbackAfterDestroyRoom`` and TRTC 102 (room dismissed). Volcengine audio slices
(``SegmentRealTimeData``) are produced on request (control command ``segment_slice``), since the
sandbox has no media to cut.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode

from airflow_provider_rtc.signing.callbacks import (
    VOLCENGINE_SIGNED_FIELDS,
    tencent_im_callback_sign,
    trtc_callback_sign,
    volcengine_callback_signature,
    zego_callback_signature,
)

# Delays between attempts, as each vendor documents them (see signing/callbacks.py for the pages):
# ZEGO up to 5 retries at 2/4/8/16/32 s; Volcengine at most 3 deliveries (delays unpublished: 5 s
# here, unverified); Tencent IM unpublished (unverified: 3 tries, 5 s apart); TRTC at once, then
# every 10 s for a minute.
RETRY_DELAYS = {
    "zego": (2.0, 4.0, 8.0, 16.0, 32.0),
    "volcengine": (5.0, 5.0),
    "tencent_im": (5.0, 5.0),
    "trtc": (0.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0),
}
SEND_TIMEOUT = 5.0  # Volcengine counts an answer after 5 s as failed; the others are not stricter
STALE_BY = 3600  # seconds: outside every receiver's freshness window
MODES = ("bad_signature", "stale", "replay", "duplicate")


@dataclass
class Outgoing:
    """One callback as it goes on the wire."""

    vendor: str  # zego | volcengine | tencent (the receiver URL's vendor)
    family: str  # zego | volcengine | tencent_im | trtc (the retry schedule)
    kind: str
    body: bytes
    headers: dict[str, str]
    query: dict[str, str] = field(default_factory=dict)
    signature: str = ""


@dataclass
class Attempt:
    vendor: str
    kind: str
    mode: str | None
    attempt: int
    status: int  # 0: no answer (network error)
    answer: str
    signature: str
    body: str
    at: float = field(default_factory=time.time)


# -- building signed callbacks, one function per vendor shape ------------------------------------------------


def zego_rtc_callback(secret: str, app_id: int, event: str, fields: dict[str, Any], *, timestamp: int,
                      nonce: str, form: bool = False) -> Outgoing:
    """A ZEGO RTC callback (lower-case fields; appid and timestamp as numbers, as most events send them)."""
    document = {"event": event, "appid": app_id, "timestamp": timestamp, "nonce": nonce, **fields}
    signature = zego_callback_signature(secret, timestamp, nonce)
    document["signature"] = signature
    if form:
        body = urlencode({k: str(v) for k, v in document.items()}).encode()
        return Outgoing("zego", "zego", event, body, {"Content-Type": "application/x-www-form-urlencoded"},
                        signature=signature)
    return Outgoing("zego", "zego", event, json.dumps(document).encode(), {"Content-Type": "application/json"},
                    signature=signature)


def zego_asr_callback(secret: str, app_id: int, event: str, fields: dict[str, Any], *, timestamp_ms: int,
                      nonce: str) -> Outgoing:
    """A ZEGO Cloud Realtime ASR callback (capitalised fields, Timestamp in milliseconds)."""
    document = {"AppId": app_id, "Event": event, "Nonce": nonce, "Timestamp": timestamp_ms, **fields}
    signature = zego_callback_signature(secret, timestamp_ms, nonce)
    document["Signature"] = signature
    return Outgoing("zego", "zego", event, json.dumps(document).encode(), {"Content-Type": "application/json"},
                    signature=signature)


def volcengine_callback(secret_key: str, app_id: str, event_type: str, event_data: dict[str, Any], *,
                        event_time: float, event_id: str, nonce: str, byteplus: bool = False) -> Outgoing:
    """A Volcengine envelope; ``byteplus`` spells the nonce ``Noce`` as BytePlus pages do."""
    envelope = {
        "EventType": event_type,
        "EventData": json.dumps(event_data, separators=(",", ":"), ensure_ascii=False),
        "EventTime": datetime.fromtimestamp(event_time, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f000Z"),
        "EventId": event_id,
        "AppId": app_id,
        "Version": "2020-12-01",
        ("Noce" if byteplus else "Nonce"): nonce,
    }
    signature = volcengine_callback_signature(secret_key, [envelope[n] for n in VOLCENGINE_SIGNED_FIELDS], nonce)
    envelope["Signature"] = signature
    return Outgoing("volcengine", "volcengine", event_type, json.dumps(envelope, ensure_ascii=False).encode(),
                    {"Content-Type": "application/json"}, signature=signature)


def tencent_im_callback(token: str, sdkappid: int, command: str, body: dict[str, Any], *,
                        request_time: int) -> Outgoing:
    sign = tencent_im_callback_sign(token, request_time)
    query = {"SdkAppid": str(sdkappid), "CallbackCommand": command, "contenttype": "json",
             "ClientIP": "127.0.0.1", "OptPlatform": "RESTAPI", "RequestTime": str(request_time), "Sign": sign}
    return Outgoing("tencent", "tencent_im", command, json.dumps({"CallbackCommand": command, **body}).encode(),
                    {"Content-Type": "application/json"}, query=query, signature=sign)


def trtc_callback(key: str, sdkappid: int, event_group: int, event_type: int, event_info: dict[str, Any], *,
                  callback_ts_ms: int) -> Outgoing:
    body = json.dumps({"EventGroupId": event_group, "EventType": event_type, "CallbackTs": callback_ts_ms,
                       "EventInfo": event_info}, indent="\t").encode()
    sign = trtc_callback_sign(key, body)
    return Outgoing("tencent", "trtc", f"trtc.{event_type}", body,
                    {"Content-Type": "application/json", "Sign": sign, "SdkAppId": str(sdkappid)}, signature=sign)


# -- the sender ------------------------------------------------------------------------------------------------


@dataclass
class Target:
    url: str  # e.g. http://127.0.0.1:8080/rtc-callbacks/zego/zego_default
    secret: str | None = None  # ZEGO callback_secret, Volcengine callback_secret_key, Tencent callback_token
    trtc_key: str | None = None  # Tencent only: TRTC events are signed with their own key


class CallbackSender:
    """Sends the sandbox's vendor callbacks; thread-safe; every delivery thread is bounded in time."""

    def __init__(self, credentials: dict[str, dict[str, Any]], *, clock: Callable[[], float] = time.time):
        self.credentials = credentials
        self.clock = clock
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with getattr(self, "lock", threading.Lock()):
            self.targets: dict[str, Target] = {}
            self.modes: list[dict[str, Any]] = []
            self.attempts: list[Attempt] = []
            self.last: dict[str, Outgoing] = {}
            self.retry_scale = 1.0
            self.threads: list[threading.Thread] = []

    # -- configuration --------------------------------------------------------------------------

    def configure(self, vendor: str, url: str, secret: str | None = None, trtc_key: str | None = None,
                  retry_scale: float | None = None) -> None:
        if vendor not in ("zego", "volcengine", "tencent"):
            raise ValueError(f"unknown vendor {vendor!r}")
        if not url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
            raise ValueError("the sandbox only calls back to loopback URLs")
        with self.lock:
            self.targets[vendor] = Target(url=url, secret=secret, trtc_key=trtc_key)
            if retry_scale is not None:
                self.retry_scale = max(0.0, min(float(retry_scale), 1.0))

    def misbehave(self, mode: str, count: int = 1, vendor: str | None = None) -> None:
        """The next ``count`` deliveries (of ``vendor``, or any) are sent in ``mode``."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        with self.lock:
            self.modes.append({"mode": mode, "count": int(count), "vendor": vendor})

    def _take_mode(self, vendor: str) -> str | None:
        with self.lock:
            for entry in self.modes:
                if entry["count"] > 0 and entry["vendor"] in (None, vendor):
                    entry["count"] -= 1
                    if entry["count"] == 0:
                        self.modes.remove(entry)
                    return entry["mode"]
        return None

    # -- events (called by the vendor routes on state changes, or by the control API) ----------------

    def zego_event(self, event: str, **fields: Any) -> bool:
        """A ZEGO RTC event (``mix_stop``, ``stream_close``, ...), fields as ZEGO names them."""
        return self._emit("zego", lambda secret, skew: zego_rtc_callback(
            secret, self.credentials["zego"]["app_id"], event, fields,
            timestamp=int(self.clock()) + skew, nonce=str(secrets.randbelow(10**9))))

    def zego_asr_event(self, event: str, **fields: Any) -> bool:
        return self._emit("zego", lambda secret, skew: zego_asr_callback(
            secret, self.credentials["zego"]["app_id"], event, fields,
            timestamp_ms=int((self.clock() + skew) * 1000), nonce=secrets.token_hex(8)))

    def volcengine_event(self, event_type: str, event_data: dict[str, Any], byteplus: bool = False) -> bool:
        return self._emit("volcengine", lambda secret, skew: volcengine_callback(
            secret, self.credentials["volcengine"]["app_id"], event_type, event_data,
            event_time=self.clock() + skew, event_id=secrets.token_hex(12), nonce=f"{secrets.randbelow(10**4):04d}",
            byteplus=byteplus))

    def tencent_im_event(self, command: str, body: dict[str, Any]) -> bool:
        return self._emit("tencent", lambda secret, skew: tencent_im_callback(
            secret, self.credentials["tencent"]["sdkappid"], command, body,
            request_time=int(self.clock()) + skew))

    def trtc_event(self, event_group: int, event_type: int, event_info: dict[str, Any]) -> bool:
        return self._emit("tencent", lambda _secret, skew: trtc_callback(
            self.targets["tencent"].trtc_key or "", self.credentials["tencent"]["sdkappid"], event_group, event_type,
            event_info, callback_ts_ms=int((self.clock() + skew) * 1000)), needs="trtc_key")

    # hooks the vendor routes call (no-ops until a target is configured)

    def mix_stopped(self, room_id: str, task_id: str) -> None:
        self.zego_event("mix_stop", room_id=room_id, task_id=task_id)

    def streams_closed(self, room_id: str, streams: list[dict[str, Any]]) -> None:
        for stream in streams:
            self.zego_event("stream_close", room_id=room_id, stream_id=stream.get("StreamId"),
                            user_id=stream.get("UserId"), type=0)

    def room_dismissed(self, room_id: str) -> None:
        self.tencent_im_event("Live.CallbackAfterDestroyRoom", {"RoomInfo": {"RoomId": room_id}})
        self.trtc_event(1, 102, {"RoomId": room_id, "EventTs": int(self.clock()),
                                 "EventMsTs": int(self.clock() * 1000)})

    def segment_slice(self, room_id: str, task_id: str, url: str | None = None, duration: int = 20) -> bool:
        """An audio slice is ready (EventData layout after Volcengine doc 155129; unverified beyond the ids)."""
        return self.volcengine_event("SegmentRealTimeData", {
            "AppId": self.credentials["volcengine"]["app_id"], "RoomId": room_id, "TaskId": task_id,
            "Data": [{"Url": url or f"https://sandbox.invalid/{room_id}/{task_id}/{int(self.clock())}.aac",
                      "Duration": duration}],
        })

    # -- delivery -------------------------------------------------------------------------------------

    def _emit(self, vendor: str, build: Callable[[str, int], Outgoing], needs: str = "secret") -> bool:
        with self.lock:
            target = self.targets.get(vendor)
        if target is None or not getattr(target, needs):
            return False
        mode = self._take_mode(vendor)
        outgoing = build(target.secret or "", -STALE_BY if mode == "stale" else 0)
        if mode == "bad_signature":
            outgoing = _forged(outgoing)
        elif mode == "replay":
            previous = self.last.get(outgoing.family)
            if previous is None:
                raise ValueError("nothing to replay yet: send one callback of this kind first")
            outgoing = _replayed(previous, outgoing)
        elif mode is None:
            self.last[outgoing.family] = outgoing
        copies = 2 if mode == "duplicate" else 1
        if mode == "duplicate":
            self.last[outgoing.family] = outgoing
        thread = threading.Thread(target=self._deliver, args=(target, outgoing, mode, copies),
                                  name=f"rtc-sandbox-callback-{vendor}", daemon=True)
        with self.lock:
            self.threads.append(thread)
        thread.start()
        return True

    def _deliver(self, target: Target, outgoing: Outgoing, mode: str | None, copies: int) -> None:
        for _copy in range(copies):
            delays = RETRY_DELAYS[outgoing.family]
            for attempt in range(len(delays) + 1):
                status, answer = _post(target.url, outgoing)
                self._log(outgoing, mode, attempt + 1, status, answer)
                if 200 <= status < 300:
                    break
                if attempt < len(delays):
                    time.sleep(delays[attempt] * self.retry_scale)

    def _log(self, outgoing: Outgoing, mode: str | None, attempt: int, status: int, answer: str) -> None:
        with self.lock:
            self.attempts.append(Attempt(vendor=outgoing.vendor, kind=outgoing.kind, mode=mode, attempt=attempt,
                                         status=status, answer=answer[:500], signature=outgoing.signature,
                                         body=outgoing.body.decode("utf-8", "replace")))

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Wait until every delivery (retries included) is done; False when ``timeout`` ran out."""
        deadline = time.monotonic() + timeout
        with self.lock:
            threads = list(self.threads)
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 0.0))
        return not any(thread.is_alive() for thread in threads)

    def report(self) -> dict[str, Any]:
        with self.lock:
            return {"attempts": [asdict(a) for a in self.attempts],
                    "targets": {v: t.url for v, t in self.targets.items()}}

    def control(self, payload: dict[str, Any]) -> Any:
        """``POST /_sandbox/callbacks`` commands: configure, misbehave, emit, segment_slice, wait, report."""
        payload = dict(payload)
        command = payload.pop("command")
        if command == "wait":
            return {"idle": self.wait_idle(min(float(payload.get("timeout", 60)), 600.0))}
        if command == "report":
            return self.report()
        if command == "emit":
            emitters: dict[str, Callable[..., bool]] = {
                "zego": self.zego_event, "zego_asr": self.zego_asr_event, "volcengine": self.volcengine_event,
                "tencent_im": self.tencent_im_event, "trtc": self.trtc_event}
            return emitters[payload.pop("family")](**payload)
        handlers: dict[str, Callable[..., Any]] = {"configure": self.configure, "misbehave": self.misbehave,
                                                   "segment_slice": self.segment_slice}
        return handlers[command](**payload)


def _post(url: str, outgoing: Outgoing) -> tuple[int, str]:
    full = f"{url}?{urlencode(outgoing.query)}" if outgoing.query else url
    request = urllib.request.Request(full, data=outgoing.body, headers=outgoing.headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:  # noqa: S310 - loopback only
            return response.status, response.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(2000).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as error:
        return 0, f"{type(error).__name__}"


def _forged(outgoing: Outgoing) -> Outgoing:
    """The same callback with a signature made without the secret."""
    fake = secrets.token_hex(20) if outgoing.family == "zego" else secrets.token_hex(32)
    if outgoing.family == "trtc":
        fake = trtc_callback_sign("not-the-key", outgoing.body)
        return Outgoing(**{**asdict(outgoing), "headers": {**outgoing.headers, "Sign": fake}, "signature": fake})
    if outgoing.family == "tencent_im":
        return Outgoing(**{**asdict(outgoing), "query": {**outgoing.query, "Sign": fake}, "signature": fake})
    if outgoing.headers.get("Content-Type") == "application/x-www-form-urlencoded":
        form = dict(parse_qsl(outgoing.body.decode()))
        form["signature"] = fake
        return Outgoing(**{**asdict(outgoing), "body": urlencode(form).encode(), "signature": fake})
    document = json.loads(outgoing.body)
    document["signature" if "signature" in document else "Signature"] = fake
    return Outgoing(**{**asdict(outgoing), "body": json.dumps(document).encode(), "signature": fake})


def _replayed(previous: Outgoing, fresh: Outgoing) -> Outgoing:
    """``fresh``'s content under ``previous``'s signed parts: what an attacker holding one signature sends."""
    if previous.family == "trtc":
        return Outgoing(**{**asdict(fresh), "headers": {**fresh.headers, "Sign": previous.headers["Sign"]},
                           "signature": previous.signature})
    if previous.family == "tencent_im":
        query = {**fresh.query, "RequestTime": previous.query["RequestTime"], "Sign": previous.query["Sign"]}
        return Outgoing(**{**asdict(fresh), "query": query, "signature": previous.signature})
    old, new = json.loads(previous.body), json.loads(fresh.body)
    signed = {"zego": ("appid", "timestamp", "nonce", "signature", "AppId", "Timestamp", "Nonce", "Signature"),
              "volcengine": ("EventId", "EventTime", "AppId", "Version", "Nonce", "Noce", "Signature")}[previous.family]
    new.update({name: old[name] for name in signed if name in old})
    return Outgoing(**{**asdict(fresh), "body": json.dumps(new).encode(), "signature": previous.signature})
