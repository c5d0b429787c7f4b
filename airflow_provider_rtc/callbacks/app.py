"""The FastAPI app the api-server mounts at ``/rtc-callbacks``: ``POST /{vendor}/{conn_id}``.

Public by design (a vendor cannot carry an Airflow token): the vendor's signature is the
authentication, so nothing is recorded unless it verifies with the connection's callback secret.
Each answer has the shape the vendor expects, so an accepted delivery is not retried and a
refused one says why (never with a secret or a signature in it).
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from airflow_provider_rtc.callbacks import recorder
from airflow_provider_rtc.callbacks.verify import (
    FRESHNESS_SECONDS,
    MAX_BODY_BYTES,
    CallbackRejected,
    CallbackSecrets,
    Delivery,
    VerifiedEvent,
    is_trtc_delivery,
    verify,
)
from airflow_provider_rtc.hooks.connection import MASK

log = logging.getLogger(__name__)

URL_PREFIX = "/rtc-callbacks"
# The vendor segment of the URL -> the Airflow connection type it must point at.
CONN_TYPES = {"zego": "zego", "volcengine": "volcengine_rtc", "tencent": "tencent_live"}
_SIGNED_QUERY_NAMES = {"sign", "signature"}
_CONN_ID = re.compile(r"[A-Za-z0-9_.\-]{1,128}")
_WINDOW_OF_PRODUCT = {"rtc": None, "asr": "zego", "im": "tencent_im", "trtc": "trtc"}


def secrets_of(vendor: str, conn) -> CallbackSecrets:
    """The callback secrets in a connection's extras, and the app id its callbacks must carry."""
    extra = conn.extra_dejson or {}

    def text(name: str) -> str | None:
        # Airflow's mask "***" (which its connection form can save, see get_provider_info) is no
        # secret: the extra counts as not set, so its callbacks are refused naming it.
        value = extra.get(name)
        return str(value) if value not in (None, "", MASK) else None

    if vendor == "zego":
        return CallbackSecrets(app_id=conn.login or None, zego_callback_secret=text("callback_secret"))
    if vendor == "volcengine":
        # The AppId is optional on the connection (operators may name it); check it when it is set.
        return CallbackSecrets(app_id=text("app_id"), volcengine_callback_secret_key=text("callback_secret_key"))
    return CallbackSecrets(app_id=conn.login or None, tencent_callback_token=text("callback_token"),
                           trtc_callback_secret=text("trtc_callback_secret"))


def _load_connection(conn_id: str):
    from airflow.exceptions import AirflowNotFoundException
    from airflow.models.connection import Connection

    try:
        return Connection.get_connection_from_secrets(conn_id)
    except AirflowNotFoundException:
        return None


def _record(event: VerifiedEvent, conn_id: str) -> recorder.Outcome:
    from airflow.utils.session import create_session

    window_key = _WINDOW_OF_PRODUCT[event.product] or event.vendor
    with create_session() as session:  # commits on success, rolls back on error
        return recorder.record_event(event, conn_id=conn_id, window_seconds=FRESHNESS_SECONDS[window_key],
                                     session=session)


def _answer(vendor: str, delivery: Delivery | None, status: int, outcome: str, reason: str = "") -> JSONResponse:
    """The reply in the vendor's expected form."""
    ok = status < 300
    if vendor == "tencent" and delivery is not None and is_trtc_delivery(delivery):
        # TRTC: HTTP 200 with {"code": 0} (https://cloud.tencent.com/document/product/647/51586).
        body: dict[str, Any] = {"code": 0} if ok else {"code": 1, "message": reason}
    elif vendor == "tencent":
        # IM: {"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0} (https://cloud.tencent.com/document/product/269/1522).
        body = {"ActionStatus": "OK" if ok else "FAIL", "ErrorInfo": "" if ok else reason,
                "ErrorCode": 0 if ok else 1}
    else:
        # ZEGO and Volcengine only look at the HTTP status (2xx / 200 within 5 s).
        body = {"ok": ok, "reason": reason} if not ok else {"ok": True}
    body["outcome"] = outcome
    return JSONResponse(body, status_code=status)


def _redact_signature_in_access_log(request: Request) -> None:
    """Tencent IM puts ``Sign`` in the query, and the api-server's access log writes the query once
    the request is done, masking only names it knows (``Sign`` is not one). A Sign authenticates any
    body for its second, so it must not reach the log: the mount shares the root scope, and the log
    reads ``scope["query_string"]`` after the app ran, so it sees the redacted one."""
    pairs = parse_qsl(request.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    if any(name.lower() in _SIGNED_QUERY_NAMES for name, _ in pairs):
        redacted = [(name, "***" if name.lower() in _SIGNED_QUERY_NAMES else value) for name, value in pairs]
        request.scope["query_string"] = urlencode(redacted).encode("latin-1")


async def _read_body(request: Request) -> bytes | None:
    """The body, or None when it is larger than the cap (read no further than the cap)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(*, clock: Callable[[], float] = time.time,
               load_connection: Callable[[str], Any] = _load_connection,
               record: Callable[[VerifiedEvent, str], recorder.Outcome] = _record) -> FastAPI:
    """The receiver app. ``clock``, ``load_connection`` and ``record`` are Airflow's by default."""
    app = FastAPI(title="RTC vendor callbacks", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/{vendor}/{conn_id}")
    async def receive(vendor: str, conn_id: str, request: Request) -> JSONResponse:
        if vendor not in CONN_TYPES or not _CONN_ID.fullmatch(conn_id):
            return _answer(vendor, None, 404, "refused", "no such callback endpoint")
        body = await _read_body(request)
        if body is None:
            log.warning("RTC callback for %s/%s refused: body larger than %d bytes", vendor, conn_id, MAX_BODY_BYTES)
            return _answer(vendor, None, 413, "refused", f"the body is larger than {MAX_BODY_BYTES} bytes")
        delivery = Delivery(
            body=body,
            query={k: v for k, v in request.query_params.items()},
            headers={k.lower(): v for k, v in request.headers.items()},
        )
        _redact_signature_in_access_log(request)
        conn = await run_in_threadpool(load_connection, conn_id)
        if conn is None or conn.conn_type != CONN_TYPES[vendor]:
            log.warning("RTC callback for %s/%s refused: no %s connection of that id", vendor, conn_id,
                        CONN_TYPES[vendor])
            return _answer(vendor, delivery, 404, "refused", "no such callback endpoint")
        try:
            event = verify(vendor, delivery, secrets_of(vendor, conn), now=clock())
        except CallbackRejected as rejected:
            log.warning("RTC callback for %s/%s refused (%d): %s", vendor, conn_id, rejected.status, rejected.reason)
            return _answer(vendor, delivery, rejected.status, "refused", rejected.reason)
        try:
            outcome = await run_in_threadpool(record, event, conn_id)
        except Exception:
            # Not recorded: a 5xx makes the vendor deliver again later.
            log.exception("RTC callback for %s/%s verified but not recorded", vendor, conn_id)
            return _answer(vendor, delivery, 503, "error", "could not record the event; deliver again")
        if outcome.status == recorder.REPLAY:
            log.warning("RTC callback for %s/%s refused: delivery %s was seen before with other content",
                        vendor, conn_id, event.delivery_key)
            return _answer(vendor, delivery, 409, "refused", "this nonce / event id was already used")
        log.info("RTC callback %s/%s %s %s: %s (asset event %s)", vendor, conn_id, event.product, event.kind,
                 outcome.status, outcome.asset_event_id)
        return _answer(vendor, delivery, 200, outcome.status)

    return app
