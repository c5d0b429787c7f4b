"""The sandbox HTTP server: dispatch to vendor routes, fault injection, request log, control API.

One loopback port serves all vendors; a request is routed by its shape (Tencent's ``/v4/`` path,
Volcengine's ``HMAC-SHA256`` Authorization or ``Version`` query, otherwise ZEGO), so every
connection's host can simply point at the sandbox URL.
"""

from __future__ import annotations

import itertools
import json
import socket
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Callable, Literal, overload
from urllib.parse import parse_qs, urlsplit

from airflow_provider_rtc.sandbox.credentials import SANDBOX_CREDENTIALS, airflow_connection_env
from airflow_provider_rtc.sandbox.limits import LimitGateway

if TYPE_CHECKING:
    from airflow_provider_rtc.sandbox.tencent import TencentRoutes
    from airflow_provider_rtc.sandbox.volcengine import VolcengineRoutes
    from airflow_provider_rtc.sandbox.zego import ZegoRoutes

# A request's body larger than this is refused: nothing the provider sends comes close.
MAX_REQUEST_BYTES = 1024 * 1024
OVERSIZED_BODY_BYTES = 5 * 1024 * 1024


@dataclass
class RawRequest:
    """What arrived on the wire; verifiers work from this, never from the client's own values."""

    method: str
    path: str
    raw_query: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def json_body(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    code: int | str | None = None  # the vendor code, for the request log
    drop: bool = False  # close the connection without answering
    delay: float = 0.0

    @classmethod
    def json(cls, document: dict, *, status: int = 200, code: int | str | None = None) -> Reply:
        return cls(status=status, body=json.dumps(document, ensure_ascii=False).encode(), code=code)


@dataclass
class Fault:
    """A fault to inject into the next ``count`` matching requests.

    kind: ``http`` (status, optional text body), ``vendor_code`` (the vendor's envelope with
    ``code``), ``slow`` (answer after ``delay`` s), ``drop`` (close without answering),
    ``malformed_json``, ``html``, ``empty``, ``oversized``, ``envelope`` (``document`` as JSON with
    ``status``: an envelope edge case, e.g. a success envelope behind an error status).
    ``after_processing`` (all but ``slow``, which always answers for real) applies the action to the state first (the vendor did the work, the
    answer was lost), else the request is refused before any state changes.
    """

    kind: str
    count: int = 1
    vendor: str | None = None
    action: str | None = None
    status: int = 500
    code: int | str | None = None
    delay: float = 0.0
    after_processing: bool = False
    document: Any = None  # for ``envelope``: any JSON value

    def matches(self, vendor: str, action: str) -> bool:
        return (self.vendor in (None, vendor)) and (self.action in (None, action))


@dataclass
class RecordedRequest:
    vendor: str
    action: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: str
    status: int = 0
    code: int | str | None = None
    fault: str | None = None
    at: float = field(default_factory=time.time)


class VendorRoutes:
    """One vendor's emulation: recognise its requests, verify them, act on the state."""

    vendor: str

    def __init__(self, sandbox: Sandbox, *, clock: Callable[[], float] = time.time):
        self.sandbox = sandbox
        self.clock = clock
        self._ids = itertools.count(1)  # request ids and vendor-assigned task ids
        self.reset()

    def matches(self, request: RawRequest) -> bool:
        raise NotImplementedError

    def action_of(self, request: RawRequest) -> str:
        raise NotImplementedError

    def handle(self, request: RawRequest) -> Reply:
        raise NotImplementedError

    def error_reply(self, request: RawRequest, code: int | str, message: str) -> Reply:
        """The vendor's envelope for ``code`` (used by ``vendor_code`` faults)."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget all state (tasks, rooms, seen nonces)."""

    def snapshot(self) -> dict[str, Any]:
        """The vendor's state, for tests and the control API."""
        raise NotImplementedError

    def control(self, payload: dict) -> Any:
        """Steer the vendor's state (the control API's ``state/<vendor>``)."""
        raise NotImplementedError


class Sandbox:
    """Run the sandbox on loopback in a background thread (a context manager).

    :param port: 0 picks a free port.
    :param lifetime: seconds after which the server stops by itself (a bound for forgotten runs).
    :param enforce_limits: answer requests over the vendors' documented rate limits with their
        throttling answer (they are counted either way; see ``sandbox.limits``).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, lifetime: float = 3600.0,
                 credentials: dict[str, dict[str, Any]] | None = None, enforce_limits: bool = True):
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the sandbox listens on loopback only")
        self.credentials = credentials or SANDBOX_CREDENTIALS
        self.lock = threading.RLock()
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.routes: list[VendorRoutes] = _default_routes(self)
        self.limits = LimitGateway(enforce=enforce_limits)
        self.callbacks = _callback_sender(self)  # the sandbox calling back, as the vendors do
        self._server = _Server((host, port), _Handler)
        self._server.sandbox = self
        self._thread: threading.Thread | None = None
        self._lifetime = lifetime
        self._timer: threading.Timer | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> Sandbox:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="rtc-sandbox", daemon=True)
        self._thread.start()
        self._timer = threading.Timer(self._lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        if self._timer:
            self._timer.cancel()
        if self._thread and self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def serve_until_stopped(self) -> None:
        """Block until the lifetime ends or the process is interrupted (the CLI)."""
        self.start()
        try:
            while self._thread and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- test controls ---------------------------------------------------------------------

    def inject(self, fault: Fault | None = None, **kwargs) -> Fault:
        fault = fault or Fault(**kwargs)
        with self.lock:
            self.faults.append(fault)
        return fault

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.faults.clear()
            for routes in self.routes:
                routes.reset()
            self.limits.reset()
            self.callbacks.reset()

    def received(self, action: str | None = None, vendor: str | None = None) -> list[RecordedRequest]:
        with self.lock:
            return [r for r in self.requests if (action in (None, r.action)) and (vendor in (None, r.vendor))]

    def seed_demo_show(self, room_id: str = "sandbox-room") -> None:
        """The state the example show DAG expects: the host is live, the Tencent room's mix is paused."""
        self.route("zego").add_stream(room_id, "host-cam", user_id="host")
        self.route("zego").set_users(room_id, 1)
        self.route("tencent").create_room(room_id, mix="paused")

    def running_tasks(self) -> dict[str, list[str]]:
        """Vendor tasks still running (billing): what a show must never leave behind."""
        zego = self.route("zego").snapshot()
        volcengine = self.route("volcengine").snapshot()
        running = {
            "zego": [*zego["mix_tasks"], *zego["asr_tasks"]],
            "volcengine": [t["TaskId"] for t in volcengine["segment_tasks"] if t.get("Status") == 2],
        }
        return {vendor: tasks for vendor, tasks in running.items() if tasks}

    @overload
    def route(self, vendor: Literal["zego"]) -> ZegoRoutes: ...
    @overload
    def route(self, vendor: Literal["volcengine"]) -> VolcengineRoutes: ...
    @overload
    def route(self, vendor: Literal["tencent"]) -> TencentRoutes: ...
    @overload
    def route(self, vendor: str) -> VendorRoutes: ...

    def route(self, vendor: str) -> VendorRoutes:
        return next(r for r in self.routes if r.vendor == vendor)

    # -- request handling --------------------------------------------------------------------

    def _take_fault(self, vendor: str, action: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.count > 0 and fault.matches(vendor, action):
                    fault.count -= 1
                    if fault.count == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def dispatch(self, request: RawRequest) -> Reply:
        if request.path.startswith("/_sandbox/"):
            return self._control(request)
        routes = next((r for r in self.routes if r.matches(request)), None)
        if routes is None:
            return Reply(status=404, body=b"no such sandbox route", content_type="text/plain")
        action = routes.action_of(request)
        record = RecordedRequest(
            vendor=routes.vendor, action=action, method=request.method, path=request.path, query=request.query,
            headers=request.headers, body=request.body.decode("utf-8", "replace"),
        )
        fault = self._take_fault(routes.vendor, action)
        if fault is None and (reply := self.limits.admit(routes, action, request)) is not None:
            record.fault = "rate_limit"
        elif fault is None:
            reply = routes.handle(request)
        else:
            record.fault = fault.kind
            reply = self._faulty_reply(routes, request, fault)
        record.status, record.code = (0 if reply.drop else reply.status), reply.code
        with self.lock:
            self.requests.append(record)
        return reply

    def _faulty_reply(self, routes: VendorRoutes, request: RawRequest, fault: Fault) -> Reply:
        kind = fault.kind
        if kind == "slow":  # a real answer, late: the vendor did the work
            reply = routes.handle(request)
            reply.delay = fault.delay
            return reply
        if fault.after_processing:
            routes.handle(request)
        if kind == "http":
            text = {429: "Too Many Requests", 502: "Bad Gateway", 503: "Service Unavailable"}.get(fault.status, "Internal Server Error")
            return Reply(status=fault.status, body=text.encode(), content_type="text/plain")
        if kind == "vendor_code":
            assert fault.code is not None, "a vendor_code fault needs its code"
            return routes.error_reply(request, fault.code, "injected by the sandbox")
        if kind == "drop":
            return Reply(drop=True)
        if kind == "malformed_json":
            return Reply(body=b'{"Code": 0, "Message": "success", "Data": {"Pla')
        if kind == "html":
            return Reply(status=fault.status if fault.status != 500 else 200,
                         body=b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
                         content_type="text/html")
        if kind == "empty":
            return Reply(body=b"")
        if kind == "envelope":
            return Reply(status=fault.status, body=json.dumps(fault.document).encode(), code=fault.code)
        if kind == "oversized":
            return Reply(body=b'{"Code": 0, "Data": "' + b"x" * OVERSIZED_BODY_BYTES + b'"}')
        raise ValueError(f"unknown fault kind {kind!r}")

    def _control(self, request: RawRequest) -> Reply:
        """A small JSON API so a sandbox in another process can be inspected and steered."""
        command = request.path[len("/_sandbox/"):].strip("/")
        payload = request.json_body() or {}
        if command == "requests" and request.method == "GET":
            with self.lock:
                return Reply.json({"requests": [asdict(r) for r in self.requests]})
        if command == "reset" and request.method == "POST":
            self.reset()
            return Reply.json({"ok": True})
        if command == "faults" and request.method == "POST":
            self.inject(Fault(**payload))
            return Reply.json({"ok": True})
        if command == "limits" and request.method == "GET":
            return Reply.json(self.limits.report())
        if command == "limits" and request.method == "POST":
            self.limits.enforce = bool(payload.get("enforce", self.limits.enforce))
            return Reply.json({"ok": True, "enforce": self.limits.enforce})
        if command == "callbacks" and request.method == "POST":
            try:
                return Reply.json({"ok": True, "result": self.callbacks.control(payload)})
            except (KeyError, TypeError, ValueError) as exc:
                return Reply.json({"ok": False, "error": str(exc)}, status=400)
        if command == "state" and request.method == "GET":
            return Reply.json({r.vendor: r.snapshot() for r in self.routes if hasattr(r, "snapshot")})
        if command.startswith("state/") and request.method == "POST":
            vendor = command.split("/", 1)[1]
            try:
                result = self.route(vendor).control(payload)
            except (StopIteration, KeyError, TypeError, ValueError) as exc:
                return Reply.json({"ok": False, "error": str(exc)}, status=400)
            return Reply.json({"ok": True, "result": result})
        return Reply.json({"ok": False, "error": f"unknown control command {command!r}"}, status=404)


def _default_routes(sandbox: Sandbox) -> list[VendorRoutes]:
    from airflow_provider_rtc.sandbox.tencent import TencentRoutes
    from airflow_provider_rtc.sandbox.volcengine import VolcengineRoutes
    from airflow_provider_rtc.sandbox.zego import ZegoRoutes

    # Most specific shape first: Tencent's /v4/ path, Volcengine's Version/HMAC, then ZEGO.
    return [TencentRoutes(sandbox), VolcengineRoutes(sandbox), ZegoRoutes(sandbox)]


def _callback_sender(sandbox: Sandbox):
    from airflow_provider_rtc.sandbox.callbacks import CallbackSender

    return CallbackSender(sandbox.credentials)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default listen backlog is 5: a few hundred sensors reconnecting at once (httpx
    # drops idle keep-alive connections after 5 s) overflow it (the kernel's ListenOverflows count
    # climbs), and each dropped SYN costs its client a 1 s retransmit: the sandbox, not the client
    # under test, would set the latency (``make bench``, triggerer section).
    request_queue_size = 1024
    sandbox: Sandbox


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the vendors' gateways
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as two writes; without NODELAY, Nagle plus the client's delayed
        # ACK adds ~40 ms to every answer, which would swamp any latency measurement.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # the request log is the record; stderr noise would hide test output

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            self._write(Reply(status=413, body=b"request too large", content_type="text/plain"))
            return
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = RawRequest(
            method=self.command,
            path=parts.path or "/",
            raw_query=parts.query,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        try:
            reply = self.server.sandbox.dispatch(request)
        except Exception as exc:  # a sandbox bug must show up as a 500, not a hung client
            reply = Reply(status=500, body=f"sandbox error: {type(exc).__name__}: {exc}".encode(),
                          content_type="text/plain")
        self._write(reply)

    def _write(self, reply: Reply) -> None:
        if reply.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if reply.delay:
            time.sleep(min(reply.delay, 120.0))
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        try:
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = _handle


def connection_exports(url: str) -> list[str]:
    """``export AIRFLOW_CONN_...='<json>'`` lines for every vendor's default connection."""
    import shlex

    return [f"export {name}={shlex.quote(value)}" for name, value in airflow_connection_env(url).items()]


def main(argv: list[str] | None = None, *, on_ready: Callable[[Sandbox], None] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m airflow_provider_rtc.sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--lifetime", type=float, default=3600.0, help="stop by itself after this many seconds")
    parser.add_argument("--no-enforce-limits", action="store_true",
                        help="count requests over the vendors' rate limits but answer them normally")
    parser.add_argument("--demo", action="store_true",
                        help="seed the state the example DAGs expect (a live host in 'sandbox-room')")
    args = parser.parse_args(argv)
    sandbox = Sandbox(args.host, args.port, lifetime=args.lifetime, enforce_limits=not args.no_enforce_limits)
    if args.demo:
        sandbox.seed_demo_show()
    print(f"RTC sandbox listening on {sandbox.url} (stops after {args.lifetime:.0f} s)", flush=True)
    print("Point Airflow's default connections at it with:")
    for line in connection_exports(sandbox.url):
        print(f"  {line}")
    sys.stdout.flush()
    if on_ready:
        on_ready(sandbox)
    sandbox.serve_until_stopped()
