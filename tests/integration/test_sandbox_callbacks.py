"""The sandbox acting as the vendor: signed callbacks on state changes, vendor-like retries, misbehaviour.

The receiving end is a real loopback HTTP server that verifies each delivery with the receiver's
own verification code and answers with a scripted status.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from airflow_provider_rtc.callbacks.verify import CallbackRejected, CallbackSecrets, Delivery, verify
from airflow_provider_rtc.sandbox.credentials import SANDBOX_CREDENTIALS

CREDS = SANDBOX_CREDENTIALS
SECRETS = {
    "zego": CallbackSecrets(app_id=str(CREDS["zego"]["app_id"]), zego_callback_secret=CREDS["zego"]["callback_secret"]),
    "volcengine": CallbackSecrets(app_id=CREDS["volcengine"]["app_id"],
                                  volcengine_callback_secret_key=CREDS["volcengine"]["callback_secret_key"]),
    "tencent": CallbackSecrets(app_id=str(CREDS["tencent"]["sdkappid"]),
                               tencent_callback_token=CREDS["tencent"]["callback_token"],
                               trtc_callback_secret=CREDS["tencent"]["trtc_callback_secret"]),
}


class Receiver:
    """Loopback server: verifies each POST (vendor from the path) and answers the next scripted status."""

    def __init__(self):
        self.received: list[dict] = []
        self.script: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                vendor = parts.path.strip("/").split("/")[0]
                delivery = Delivery(body=body, query=dict(parse_qsl(parts.query)),
                                    headers={k.lower(): v for k, v in self.headers.items()})
                try:
                    event = verify(vendor, delivery, SECRETS[vendor], now=time.time())
                    outcome = {"ok": True, "kind": event.kind, "key": event.delivery_key, "room": event.room_id}
                except CallbackRejected as rejected:
                    outcome = {"ok": False, "status": rejected.status}
                status = receiver.script.pop(0) if receiver.script else (200 if outcome["ok"] else 401)
                receiver.received.append({**outcome, "answered": status})
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def url(self, vendor: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{vendor}/conn"


@pytest.fixture
def receiver(sandbox):
    r = Receiver()
    r.thread.start()
    for vendor in ("zego", "volcengine"):
        secret = CREDS[vendor].get("callback_secret") or CREDS[vendor].get("callback_secret_key")
        sandbox.callbacks.configure(vendor, r.url(vendor), secret=secret, retry_scale=0.001)
    sandbox.callbacks.configure("tencent", r.url("tencent"), secret=CREDS["tencent"]["callback_token"],
                                trtc_key=CREDS["tencent"]["trtc_callback_secret"])
    yield r
    assert sandbox.callbacks.wait_idle(60)
    r.server.shutdown()
    r.server.server_close()


def test_stream_close_is_signed_and_retried_on_5xx_with_the_same_delivery(sandbox, receiver):
    sandbox.route("zego").add_stream("room-1", "host-cam", user_id="host")
    receiver.script = [500, 502, 200]
    sandbox.route("zego").remove_streams("room-1")
    assert sandbox.callbacks.wait_idle(30)
    assert [r["answered"] for r in receiver.received] == [500, 502, 200]
    assert all(r["ok"] and r["kind"] == "stream_close" and r["room"] == "room-1" for r in receiver.received)
    assert len({r["key"] for r in receiver.received}) == 1  # a retry is the same delivery
    assert [a.attempt for a in sandbox.callbacks.attempts] == [1, 2, 3]


def test_retries_are_bounded_like_zego(sandbox, receiver):
    receiver.script = [503] * 10
    sandbox.callbacks.zego_event("room_close", room_id="r")
    assert sandbox.callbacks.wait_idle(30)
    assert len(receiver.received) == 6  # the first try and ZEGO's 5 retries


def test_mix_stop_callback_when_a_mix_stops(sandbox, receiver, connections):
    from airflow_provider_rtc.operators.zego import StartAutoMixOperator, StopAutoMixOperator

    StartAutoMixOperator(task_id="start", room_id="room-1", mix_task_id="m1", user_id="u",
                         mix_output=[{"StreamId": "mixed"}]).execute({})
    StopAutoMixOperator(task_id="stop", mix_task_id="m1", room_id="room-1", user_id="u").execute({})
    assert sandbox.callbacks.wait_idle(30)
    assert [(r["kind"], r["room"]) for r in receiver.received] == [("mix_stop", "room-1")]


def test_room_dismissed_sends_tencent_im_and_trtc(sandbox, receiver):
    sandbox.route("tencent").create_room("t-room")
    sandbox.route("tencent").dissolve_room("t-room")
    assert sandbox.callbacks.wait_idle(30)
    assert sorted((r["kind"], r["room"], r["ok"]) for r in receiver.received) == [
        ("Live.CallbackAfterDestroyRoom", "t-room", True), ("trtc.102", "t-room", True)]


@pytest.mark.parametrize("vendor, emit", [
    ("zego", lambda cb: cb.zego_event("stream_close", room_id="r")),
    ("zego", lambda cb: cb.zego_asr_event("ASRResult", RoomId="r", TaskId="t")),
    ("volcengine", lambda cb: cb.segment_slice("r", "seg")),
    ("tencent", lambda cb: cb.tencent_im_event("Live.CallbackAfterCreateRoom", {"RoomId": "r"})),
    ("tencent", lambda cb: cb.trtc_event(1, 101, {"RoomId": "r"})),
])
def test_bad_signature_and_stale_are_refused_by_the_verifier(sandbox, receiver, vendor, emit):
    receiver.script = [200, 200]  # answer 200 so the sandbox does not retry; the verdict is in "ok"
    sandbox.callbacks.misbehave("bad_signature", vendor=vendor)
    emit(sandbox.callbacks)
    sandbox.callbacks.wait_idle(30)
    sandbox.callbacks.misbehave("stale", vendor=vendor)
    emit(sandbox.callbacks)
    sandbox.callbacks.wait_idle(30)
    emit(sandbox.callbacks)
    sandbox.callbacks.wait_idle(30)
    assert [(r["ok"], r.get("status")) for r in receiver.received] == [(False, 401), (False, 401), (True, None)]


def test_replay_reuses_the_previous_signature_on_other_content_and_duplicate_sends_twice(sandbox, receiver):
    sandbox.callbacks.zego_event("stream_close", room_id="room-1")
    sandbox.callbacks.wait_idle(30)
    sandbox.callbacks.misbehave("replay", vendor="zego")
    sandbox.callbacks.zego_event("mix_stop", room_id="room-2")
    sandbox.callbacks.wait_idle(30)
    sandbox.callbacks.misbehave("duplicate", vendor="volcengine")
    sandbox.callbacks.segment_slice("room-1", "seg")
    sandbox.callbacks.wait_idle(30)
    first, replay, *dupes = receiver.received
    # The replay still verifies (ZEGO signs no content): only the receiver's nonce memory stops it.
    assert replay["ok"] and replay["key"] == first["key"] and (replay["kind"], replay["room"]) == ("mix_stop", "room-2")
    assert len(dupes) == 2 and dupes[0] == dupes[1] and dupes[0]["ok"]


def test_control_api_configures_and_emits(sandbox, receiver):
    answer = requests.post(f"{sandbox.url}/_sandbox/callbacks", timeout=10, json={
        "command": "segment_slice", "room_id": "r", "task_id": "seg", "url": "https://x/1.aac"})
    assert answer.status_code == 200 and answer.json()["result"] is True
    requests.post(f"{sandbox.url}/_sandbox/callbacks", json={"command": "wait", "timeout": 30}, timeout=60)
    report = requests.post(f"{sandbox.url}/_sandbox/callbacks", json={"command": "report"}, timeout=10).json()
    assert [a["kind"] for a in report["result"]["attempts"]] == ["SegmentRealTimeData"]
    refused = requests.post(f"{sandbox.url}/_sandbox/callbacks", timeout=10, json={
        "command": "configure", "vendor": "zego", "url": "http://example.com/cb"})
    assert refused.status_code == 400 and "loopback" in refused.json()["error"]


def test_nothing_is_sent_until_configured(sandbox):
    sandbox.route("zego").add_stream("room-1", "cam")
    sandbox.route("zego").remove_streams("room-1")
    assert sandbox.callbacks.zego_event("stream_close") is False and sandbox.callbacks.attempts == []
