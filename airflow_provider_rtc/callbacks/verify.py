"""Turn one raw callback delivery into a verified, normalised vendor event, or refuse it.

No Airflow and no I/O here: the receiver hands over the bytes, query and headers exactly as they
arrived, the connection's secrets and the current time. Order of checks: shape (so we know which
signature rule applies), signature (constant time, before anything else is believed), app id,
freshness. Replay and duplicate detection need shared state and live in ``recorder``.

Vendor facts are cited in ``airflow_provider_rtc.signing.callbacks`` and beside each rule below.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote

from airflow_provider_rtc.events import trtc_kind
from airflow_provider_rtc.signing.callbacks import (
    VOLCENGINE_SIGNED_FIELDS,
    signatures_match,
    tencent_im_callback_sign,
    trtc_callback_sign,
    volcengine_callback_signature,
    zego_callback_signature,
)

# Nothing a vendor sends comes near this (an ASR result is a few KB); bigger bodies are refused
# unread, so a flood of large posts cannot make the api-server parse megabytes of JSON.
MAX_BODY_BYTES = 64 * 1024

# How far a callback's own timestamp may be from our clock. The window also bounds how long the
# receiver remembers deliveries (replays older than it are refused as stale instead).
# ZEGO retries up to 5 times at 2/4/8/16/32 s (https://doc-zh.zego.im/article/19700 family of
#   callback pages); a retry may carry the first attempt's timestamp, so the window covers the
#   62 s of retries with room for clock skew.
# Volcengine: EventTime is when the event happened; up to 3 deliveries, answered within 5 s each
#   (https://www.volcengine.com/docs/6348/69820).
# Tencent IM: the documented rule is to refuse RequestTime more than 60 s away
#   (https://cloud.tencent.com/document/product/269/32431).
# TRTC retries at once, then every 10 s for a minute (https://cloud.tencent.com/document/product/647/51586).
FRESHNESS_SECONDS = {"zego": 300.0, "volcengine": 600.0, "tencent_im": 60.0, "trtc": 300.0}

SIGNATURE_FIELDS = frozenset({"signature", "Signature", "Sign", "sign"})


class CallbackRejected(Exception):
    """The delivery is not accepted. ``reason`` is safe to return and log: never a secret or a signature."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Delivery:
    """One POST as it arrived: raw body bytes, query (first value per name), lower-cased headers."""

    body: bytes
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass(frozen=True)
class VerifiedEvent:
    vendor: str  # zego | volcengine | tencent (the URL segment and the asset's vendor)
    product: str  # rtc | asr | im | trtc: which of the vendor's callback families
    kind: str  # names the asset: the vendor's event name
    app_id: str
    sent_at: float  # Unix seconds, from the vendor's own timestamp
    delivery_key: str  # the same for every delivery of one event (vendor retries)
    fingerprint: str  # sha256 of what the event says: tells a retry from a replay with other content
    data: dict[str, Any]  # the vendor's fields, signature removed
    room_id: str | None = None
    stream_id: str | None = None
    task_id: str | None = None
    user_id: str | None = None

    def extra(self) -> dict[str, Any]:
        """The Asset event's ``extra``: JSON, no secret, no signature."""
        return {
            "vendor": self.vendor,
            "product": self.product,
            "event": self.kind,
            "app_id": self.app_id,
            "room_id": self.room_id,
            "stream_id": self.stream_id,
            "task_id": self.task_id,
            "user_id": self.user_id,
            "sent_at": self.sent_at,
            "data": self.data,
            "delivery": {"key": self.delivery_key, "fingerprint": self.fingerprint},
        }


@dataclass(frozen=True)
class CallbackSecrets:
    """The connection's callback secrets and the app id callbacks must carry (None = not configured)."""

    app_id: str | None
    zego_callback_secret: str | None = None
    volcengine_callback_secret_key: str | None = None
    tencent_callback_token: str | None = None
    trtc_callback_secret: str | None = None


# -- helpers ---------------------------------------------------------------------------------------


def _json_object(body: bytes, what: str) -> dict[str, Any]:
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise CallbackRejected(400, f"{what}: the body is not UTF-8 JSON") from None
    if not isinstance(document, dict):
        raise CallbackRejected(400, f"{what}: the body is not a JSON object")
    return document


def _scalar_text(document: dict[str, Any], name: str, what: str) -> str:
    """A field that must be a string or an integer (ZEGO sends numbers in some events, strings in others)."""
    if name not in document or document[name] is None:
        raise CallbackRejected(400, f"{what}: field {name} is missing")
    value = document[name]
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise CallbackRejected(400, f"{what}: field {name} must be a string or an integer")
    text = str(value)
    if not text or len(text) > 256:
        raise CallbackRejected(400, f"{what}: field {name} is empty or too long")
    return text


def _text(document: dict[str, Any], name: str, what: str) -> str:
    value = document.get(name)
    if not isinstance(value, str):
        raise CallbackRejected(400, f"{what}: field {name} is missing or not a string")
    return value


def _number(text: str, name: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CallbackRejected(400, f"{what}: field {name} is not a number") from None
    if not math.isfinite(value):
        raise CallbackRejected(400, f"{what}: field {name} is not a number")
    return value


def _check_app_id(received: str, expected: str | None, what: str) -> None:
    if expected is not None and received != str(expected):
        raise CallbackRejected(403, f"{what}: the app id is not this connection's")


def _check_fresh(sent_at: float, now: float, window: float, what: str) -> None:
    if abs(now - sent_at) > window:
        raise CallbackRejected(401, f"{what}: the timestamp is more than {window:.0f} s from now (stale or replayed)")


def _fingerprint(value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _without_signatures(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in SIGNATURE_FIELDS}


def _optional_id(*candidates: Any) -> str | None:
    for value in candidates:
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) != "":
            return str(value)
    return None


def _kind(value: str, what: str) -> str:
    # The kind names an asset: keep it to the URI-safe alphabet events.py accepts.
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,128}", value):
        raise CallbackRejected(400, f"{what}: the event name is not a valid event kind")
    return value


# -- ZEGO ------------------------------------------------------------------------------------------


def _zego_document(delivery: Delivery) -> dict[str, Any]:
    """JSON by default; form-urlencoded when ZEGO support switched it on (values URL-decoded)."""
    if delivery.content_type == "application/x-www-form-urlencoded":
        try:
            text = delivery.body.decode("utf-8")
        except UnicodeDecodeError:
            raise CallbackRejected(400, "ZEGO callback: the form body is not UTF-8") from None
        try:
            form = parse_qs(text, keep_blank_values=True, max_num_fields=200)
        except ValueError:  # more fields than any ZEGO callback has
            raise CallbackRejected(400, "ZEGO callback: the form has too many fields") from None
        return {name: values[0] for name, values in form.items()}
    document = _json_object(delivery.body, "ZEGO callback")
    # ZEGO's callback pages say values arrive URL-encoded ("UrlDecode" them,
    # https://www.zegocloud.com/docs/real-time-voice-server/callback/receiving-callback); the signed
    # values (digits) are unchanged by decoding, the rest is decoded for the event's extra.
    return {k: unquote(v) if isinstance(v, str) else v for k, v in document.items()}


def verify_zego(delivery: Delivery, secrets: CallbackSecrets, *, now: float) -> VerifiedEvent:
    secret = secrets.zego_callback_secret
    if not secret:
        raise CallbackRejected(403, "ZEGO callbacks are not configured: set callback_secret on the connection")
    document = _zego_document(delivery)
    # ASR callbacks use capitalised names (AppId, Event, Nonce, Timestamp in ms, Signature); RTC
    # callbacks lower-case ones (appid, event, nonce, timestamp in s, signature).
    is_asr = "Signature" in document and "Event" in document
    what = "ZEGO ASR callback" if is_asr else "ZEGO callback"
    names = ("AppId", "Event", "Nonce", "Timestamp", "Signature") if is_asr else (
        "appid", "event", "nonce", "timestamp", "signature")
    app_id, event, nonce, timestamp = (_scalar_text(document, n, what) for n in names[:4])
    signature = document.get(names[4])
    if not signatures_match(signature, zego_callback_signature(secret, timestamp, nonce)):
        raise CallbackRejected(401, f"{what}: the signature does not verify")
    _check_app_id(app_id, secrets.app_id, what)
    sent_at = _number(timestamp, names[3], what) / (1000.0 if is_asr else 1.0)
    _check_fresh(sent_at, now, FRESHNESS_SECONDS["zego"], what)
    data = _without_signatures(document)
    if is_asr:
        return VerifiedEvent(
            vendor="zego", product="asr", kind=_kind(event, what), app_id=app_id, sent_at=sent_at,
            delivery_key=f"zego:{app_id}:{timestamp}:{nonce}", fingerprint=_fingerprint(data), data=data,
            room_id=_optional_id(document.get("RoomId")), task_id=_optional_id(document.get("TaskId")),
            user_id=_optional_id(document.get("UserId")),
        )
    return VerifiedEvent(
        vendor="zego", product="rtc", kind=_kind(event, what), app_id=app_id, sent_at=sent_at,
        delivery_key=f"zego:{app_id}:{timestamp}:{nonce}", fingerprint=_fingerprint(data), data=data,
        room_id=_optional_id(document.get("room_id"), document.get("channel_id")),
        stream_id=_optional_id(document.get("stream_id"), document.get("stream_alias")),
        task_id=_optional_id(document.get("task_id"), document.get("mixer_task_id")),
        user_id=_optional_id(document.get("user_id"), document.get("id_name")),
    )


# -- Volcengine / BytePlus -------------------------------------------------------------------------


_RFC3339 = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt ]\s*(\d{2}:\d{2}:\d{2})(?:\.(\d+))?\s*([Zz]|[+-]\d{2}:\d{2})$")


def parse_event_time(text: str) -> float:
    """EventTime is RFC 3339 UTC, with up to nanoseconds ("2024-05-01T08:00:00.123456789Z",
    https://docs.byteplus.com/byteplus-rtc/docs/75124); Python parses at most microseconds."""
    match = _RFC3339.match(text.strip())
    if not match:
        raise ValueError("not an RFC 3339 time")
    day, clock, fraction, zone = match.groups()
    micro = (fraction or "0")[:6].ljust(6, "0")
    zone = "+00:00" if zone in ("Z", "z") else zone
    return datetime.fromisoformat(f"{day}T{clock}.{micro}{zone}").timestamp()


def verify_volcengine(delivery: Delivery, secrets: CallbackSecrets, *, now: float) -> VerifiedEvent:
    secret = secrets.volcengine_callback_secret_key
    what = "Volcengine callback"
    if not secret:
        raise CallbackRejected(403, "Volcengine callbacks are not configured: set callback_secret_key on the connection")
    document = _json_object(delivery.body, what)
    values = [_text(document, name, what) for name in VOLCENGINE_SIGNED_FIELDS]
    # Volcengine spells it Nonce, BytePlus Noce (https://docs.byteplus.com/byteplus-rtc/docs/69820).
    nonce_field = "Nonce" if "Nonce" in document else "Noce"
    nonce = _text(document, nonce_field, what)
    # EventData is signed exactly as received: the string from the envelope, never re-serialised.
    if not signatures_match(document.get("Signature"), volcengine_callback_signature(secret, values, nonce)):
        raise CallbackRejected(401, f"{what}: the signature does not verify")
    event_type, event_data, event_time, event_id, app_id, _version = values
    _check_app_id(app_id, secrets.app_id, what)
    try:
        sent_at = parse_event_time(event_time)
    except ValueError:
        raise CallbackRejected(400, f"{what}: EventTime is not an RFC 3339 time") from None
    _check_fresh(sent_at, now, FRESHNESS_SECONDS["volcengine"], what)
    try:
        parsed = json.loads(event_data) if event_data else {}
    except (ValueError, RecursionError):
        parsed = None  # signed, so genuine: keep it as the vendor sent it
    details = parsed if isinstance(parsed, dict) else {}
    data = _without_signatures(document)
    data["EventData"] = parsed if parsed is not None else event_data
    return VerifiedEvent(
        vendor="volcengine", product="rtc", kind=_kind(event_type, what), app_id=app_id, sent_at=sent_at,
        # At-least-once delivery: EventId is the documented deduplication key.
        delivery_key=f"volcengine:{app_id}:{event_id}", fingerprint=_fingerprint(data), data=data,
        room_id=_optional_id(details.get("RoomId")), stream_id=_optional_id(details.get("StreamId")),
        task_id=_optional_id(details.get("TaskId")), user_id=_optional_id(details.get("UserId")),
    )


# -- Tencent ---------------------------------------------------------------------------------------


def _query_ci(query: dict[str, str], name: str) -> str | None:
    """Tencent's pages spell SdkAppid and SdkAppId: match query names case-insensitively."""
    lowered = name.lower()
    return next((value for key, value in query.items() if key.lower() == lowered), None)


def is_trtc_delivery(delivery: Delivery) -> bool:
    """TRTC events carry Sign in a header; IM callbacks carry Sign and CallbackCommand in the query."""
    return "sign" in delivery.headers and _query_ci(delivery.query, "CallbackCommand") is None


def verify_tencent(delivery: Delivery, secrets: CallbackSecrets, *, now: float) -> VerifiedEvent:
    if is_trtc_delivery(delivery):
        return _verify_trtc(delivery, secrets, now=now)
    return _verify_tencent_im(delivery, secrets, now=now)


def _object_field(document: dict[str, Any], name: str) -> dict[str, Any]:
    value = document.get(name)
    return value if isinstance(value, dict) else {}


def _required_query(delivery: Delivery, name: str, what: str) -> str:
    value = _query_ci(delivery.query, name)
    if not value:
        raise CallbackRejected(400, f"{what}: query parameter {name} is missing")
    return value


def _verify_tencent_im(delivery: Delivery, secrets: CallbackSecrets, *, now: float) -> VerifiedEvent:
    what = "Tencent IM callback"
    token = secrets.tencent_callback_token
    if not token:
        raise CallbackRejected(403, "Tencent IM callbacks are not configured: set callback_token on the connection")
    sign, request_time, command, app_id = (
        _required_query(delivery, name, what) for name in ("Sign", "RequestTime", "CallbackCommand", "SdkAppid")
    )
    if not request_time.isdigit() or len(request_time) > 12:
        raise CallbackRejected(400, f"{what}: RequestTime is not Unix seconds")
    if not signatures_match(sign, tencent_im_callback_sign(token, request_time)):
        raise CallbackRejected(401, f"{what}: the signature does not verify")
    _check_app_id(app_id, secrets.app_id, what)
    sent_at = float(request_time)
    _check_fresh(sent_at, now, FRESHNESS_SECONDS["tencent_im"], what)
    document = _json_object(delivery.body, what)
    query = {k: v for k, v in delivery.query.items() if k not in SIGNATURE_FIELDS}
    data = {"query": query, "body": _without_signatures(document)}
    room_info = _object_field(document, "RoomInfo")
    return VerifiedEvent(
        vendor="tencent", product="im", kind=_kind(command, what), app_id=app_id, sent_at=sent_at,
        # Tencent IM signs only the token and the second: every callback of one second shares the
        # Sign, so the body (not the Sign) tells deliveries apart.
        delivery_key=f"tencent-im:{app_id}:{request_time}:{command}:{_fingerprint(document)}",
        fingerprint=_fingerprint(data["body"]), data=data,
        room_id=_optional_id(document.get("RoomId"), room_info.get("RoomId")),
        user_id=_optional_id(document.get("Operator_Account"), document.get("Member_Account"),
                             document.get("UserId")),
    )


def _verify_trtc(delivery: Delivery, secrets: CallbackSecrets, *, now: float) -> VerifiedEvent:
    what = "TRTC callback"
    key = secrets.trtc_callback_secret
    if not key:
        raise CallbackRejected(403, "TRTC callbacks are not configured: set trtc_callback_secret on the connection")
    # The HMAC covers the raw bytes: verify before parsing, exactly as received.
    if not signatures_match(delivery.headers.get("sign"), trtc_callback_sign(key, delivery.body)):
        raise CallbackRejected(401, f"{what}: the signature does not verify")
    app_id = delivery.headers.get("sdkappid") or ""
    if not app_id:
        raise CallbackRejected(400, f"{what}: header SdkAppId is missing")
    _check_app_id(app_id, secrets.app_id, what)
    document = _json_object(delivery.body, what)
    for name in ("EventGroupId", "EventType", "CallbackTs"):
        value = document.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise CallbackRejected(400, f"{what}: field {name} is missing or not an integer")
    sent_at = document["CallbackTs"] / 1000.0
    _check_fresh(sent_at, now, FRESHNESS_SECONDS["trtc"], what)
    info = _object_field(document, "EventInfo")
    return VerifiedEvent(
        vendor="tencent", product="trtc", kind=trtc_kind(document["EventType"]), app_id=app_id, sent_at=sent_at,
        # The whole body is signed and carries a millisecond timestamp: its hash names the event.
        delivery_key=f"trtc:{app_id}:{hashlib.sha256(delivery.body).hexdigest()}",
        fingerprint=_fingerprint(document), data=document,
        room_id=_optional_id(info.get("RoomId")), user_id=_optional_id(info.get("UserId")),
    )


VERIFIERS = {"zego": verify_zego, "volcengine": verify_volcengine, "tencent": verify_tencent}


def verify(vendor: str, delivery: Delivery, secrets: CallbackSecrets, *, now: float) -> VerifiedEvent:
    if len(delivery.body) > MAX_BODY_BYTES:
        raise CallbackRejected(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        verifier = VERIFIERS[vendor]
    except KeyError:
        raise CallbackRejected(404, "unknown vendor") from None
    return verifier(delivery, secrets, now=now)
