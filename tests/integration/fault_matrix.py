"""The fault matrix as data: every fault the sandbox can inject, and what each kind of caller does.

Two consumers read this module, so the documentation can only state what is tested:

- ``tests/integration/test_fault_matrix.py`` runs every operator and sensor (poke and trigger)
  against every fault here and asserts the expected outcome and the exact number of requests
  that reached the sandbox;
- ``tools/failure_table.py`` renders the README's "Failure behaviour" table from it.

Plain data only: no pytest, no Airflow imports (the catalogue is plain data too). Expected
outcomes are written out per fault and role rather than derived from the hooks' error tables, so a
change in the package's behaviour has to be made here too (and shows up in the README) or the
matrix fails. What is called comes from the catalogue: every named target must be a catalogued
action, and every catalogued action with an ``example`` is called through its vendor's generic
operator as a target of its own, so an action added to the catalogue is in the matrix at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping, Optional, Union

from airflow_provider_rtc import catalogue

# -- how the matrix calls ---------------------------------------------------------------------------

OPERATOR_RETRIES = 2  # request_retries of every operator: at most 3 attempts per call
SENSOR_RETRIES = 1  # request_retries of every sensor (their default): at most 2 requests per poke
REQUEST_TIMEOUT = 0.3  # seconds; small, so the read-timeout fault costs little
SLOW_DELAY = 0.8  # the read-timeout fault answers this late (> REQUEST_TIMEOUT)
RETRY_BACKOFF = 0.01  # first backoff of operators and sensors: fast tests (the policy itself is unit-tested)
TRANSIENT = 2  # a transient fault hits this many consecutive requests
EVERY = 1000  # fault count standing for "every request"
MAX_POKES = 4  # pokes per sensor case; under a persistent fault every one returns False
KEEP_POLLING_SECONDS = 0.4  # how long a trigger under a persistent fault is watched
TRIGGER_POLL_INTERVAL = 0.02

Code = Union[int, str]

# -- what is called ---------------------------------------------------------------------------------

# Roles: how a caller may react to a fault. The README's columns, in this order.
ROLES: dict[str, str] = {
    "call": "Operators",
    "start": "Idempotent starts (caller's TaskId)",
    "stop": "Stop / close-room operators",
    "create": "StartASROperator (not idempotent)",
    "poke": "Sensors, poke / reschedule",
    "trigger": "Sensors, deferred (trigger)",
}


@dataclass(frozen=True)
class Target:
    name: str  # the operator or sensor class
    vendor: str  # the sandbox's vendor name
    action: str  # what the sandbox records for its request
    role: str  # a ROLES key; sensors say "sensor" and run as both "poke" and "trigger"
    family: str  # which vendor codes apply to its endpoint (a CODES key)


def family(action: catalogue.Action) -> str:
    """Which documented codes apply to an action's endpoint (a CODES key)."""
    if action.vendor != "zego":
        return action.vendor
    if action.host == "asr":
        return "zego_asr"
    return "zego_mix" if "Mix" in action.name else "zego_room"


def _target(name: str, vendor: str, action: str, role: str) -> Target:
    entry = catalogue.get(vendor, action)  # a target must be a catalogued action
    return Target(name, vendor, entry.name, role, family(entry))


OPERATORS = (
    _target("StartAutoMixOperator", "zego", "StartAutoMix", "call"),  # same TaskId again = update
    _target("StopMixOperator", "zego", "StopMix", "stop"),
    _target("StopAutoMixOperator", "zego", "StopAutoMix", "stop"),
    _target("StartASROperator", "zego", "StartRealtimeASRTask", "create"),
    _target("StopASROperator", "zego", "StopRealtimeASRTask", "stop"),
    _target("ZegoCloseRoomOperator", "zego", "CloseRoom", "stop"),  # a repeat finds no room: already closed
    _target("ZegoApiOperator", "zego", "StartAutoMix", "call"),  # the generic operator on a modelled action
    _target("StartSegmentOperator", "volcengine", "StartSegment", "start"),
    _target("StopSegmentOperator", "volcengine", "StopSegment", "stop"),
    _target("StartRecordOperator", "volcengine", "StartRecord", "start"),
    _target("StopRecordOperator", "volcengine", "StopRecord", "stop"),
    # Banning a room again is a success, not a not-found: the close is an idempotent call here.
    _target("VolcengineCloseRoomOperator", "volcengine", "BanRoomUser", "call"),
    _target("VolcengineRtcApiOperator", "volcengine", "BanRoomUser", "call"),
    _target("ResumeMcuOperator", "tencent", "resume_mcu_task", "call"),
    _target("SetMixStreamOperator", "tencent", "set_mix_stream", "call"),
    _target("TencentDestroyRoomOperator", "tencent", "destroy_room", "stop"),
    _target("TencentLiveApiOperator", "tencent", "set_mix_stream", "call"),
)

SENSORS = (
    _target("ZegoRoomStreamSensor", "zego", "DescribeSimpleStreamList", "sensor"),
    _target("ZegoRoomUsersSensor", "zego", "DescribeUserNum", "sensor"),
    _target("ZegoMixTaskSensor", "zego", "GetMixTaskInfo", "sensor"),
    _target("ZegoStreamStateSensor", "zego", "DescribeRTCStreamState", "sensor"),
    _target("ZegoUsersPresentSensor", "zego", "DescribeUsers", "sensor"),
    _target("VolcengineSegmentTaskSensor", "volcengine", "GetSegmentTask", "sensor"),
    _target("VolcengineRecordTaskSensor", "volcengine", "GetRecordTask", "sensor"),
    _target("VolcengineRoomUsersSensor", "volcengine", "GetRoomOnlineUsers", "sensor"),
    _target("TencentRoomSensor", "tencent", "get_room_info", "sensor"),
)

# Every catalogued action with an example request, called through its vendor's generic operator.
GENERIC_PREFIX = "catalogue:"
CATALOGUE_CALLS = tuple(
    Target(f"{GENERIC_PREFIX}{action.vendor}:{action.name}", action.vendor, action.name,
           "call" if action.idempotent else "create", family(action))
    for action in catalogue.actions() if action.example
)

# -- the vendors' codes (shared/VENDOR_APIS.md), by endpoint family ----------------------------------

_ZEGO_GATEWAY_AUTH = (100000001, 100000005, 100000008, 100000009, 100000010, 100000013, 100000014, 100000016)
# Gateway internal error; 7: requests per second over the API's limit (https://docs.zegocloud.com/article/9811).
_ZEGO_GATEWAY_RETRYABLE = (100000015, 7)

CODES: dict[str, dict[str, tuple[Code, ...]]] = {
    "retryable": {
        "zego_mix": (*_ZEGO_GATEWAY_RETRYABLE, 110200001, 110200005, 110200006, 110200007, 110200015, 110200151,
                     110200159, 110200190, 110200191, 110200194),
        "zego_asr": (*_ZEGO_GATEWAY_RETRYABLE, 410000001, 410000009, 410000010, 410000011),
        "zego_room": (*_ZEGO_GATEWAY_RETRYABLE, 206),  # 206: room signalling's own rate-limit code
        # The digest documents QPSOverLimit; the others are the gateway's throttling and transient names
        # (not ServiceUnavailable: "the service does not exist", see catalogue/volcengine.py).
        "volcengine": ("FlowLimitExceeded.QPSOverLimit", "FlowLimitExceeded", "ServiceFlowLimitExceeded",
                       "AccountFlowLimitExceeded", "InternalError", "InternalServiceError", "InternalServiceTimeout",
                       "ServiceUnavailableTemp"),
        "tencent": (60007, 60008, 60011, 60018, 60019, 70169, 70500, 100001, 100422, 100427),
    },
    "auth": {
        "zego_mix": (*_ZEGO_GATEWAY_AUTH, 110200003),
        "zego_asr": (*_ZEGO_GATEWAY_AUTH, 410000002, 410000005),
        "zego_room": _ZEGO_GATEWAY_AUTH,
        "volcengine": ("MissingAuthenticationToken", "MissingRequestInfo", "MissingSignature", "InvalidAccessKey",
                       "SignatureDoesNotMatch", "LackPolicy", "AccessDenied"),
        "tencent": (60006, 60010, 70002, 70003, 70005, 70009, 70013, 70014, 70016, 70050),
    },
    # The stale-timestamp answer: ZEGO's signature expired, Volcengine's InvalidTimestamp, Tencent's
    # expired UserSig (regenerated, like a timestamp re-signed).
    "expired": {
        "zego_mix": (100000004,),
        "zego_asr": (100000004,),
        "zego_room": (100000004,),
        "volcengine": ("InvalidTimestamp",),
        "tencent": (70001,),
    },
}

# Families under one vendor heading, for the README's footnotes.
VENDOR_FAMILIES = {
    "ZEGO": ("zego_mix", "zego_asr", "zego_room"),
    "Volcengine / BytePlus": ("volcengine",),
    "Tencent": ("tencent",),
}

# -- what must happen -------------------------------------------------------------------------------

# Outcomes. Operators: "ok" (returns; a stop says already_stopped false, StartSegment already_running
# false), "already_stopped", "already_running", "fails" (raises ``error``), "not_repeated" (raises
# ``error`` after one request: the call is not idempotent and the vendor may have acted).
# Sensors: "done" (poke True at poke number ``pokes``; a trigger fires a done event),
# "keeps_waiting" (every poke False) / "keeps_polling" (no event while watched), "fails" (poke
# raises ``error``), "error_event" (the trigger ends with an error event of type ``error``).
OUTCOMES = ("ok", "already_stopped", "already_running", "fails", "not_repeated", "done", "keeps_waiting",
            "keeps_polling", "error_event")


@dataclass(frozen=True)
class Expect:
    outcome: str
    # Requests that reached the sandbox, exactly; None only for "keeps_polling" (unbounded by design:
    # checked to be at least 2).
    requests: Optional[int]
    error: Optional[str] = None  # class name of the error raised / the trigger's error_type
    attempts: Optional[int] = None  # attempts the client made, when some never reached the sandbox
    effect: Optional[int] = None  # operators: times the vendor carried the action out (tasks started, ...)
    pokes: Optional[int] = None  # sensors' poke: the poke that reports done

    def __post_init__(self):
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")


@dataclass(frozen=True)
class Fault:
    id: str
    title: str  # the README's row
    kind: str  # a sandbox Fault kind, or "refused" (nothing listens) / "wrong_secret" (a bad connection)
    expect: Mapping[str, Expect]  # ROLES key -> outcome
    count: int = 1  # consecutive requests hit
    processed: bool = False  # injected after the vendor carried the request out (its answer is lost)
    status: Optional[int] = None  # for "http" and "html"
    codes: Optional[str] = None  # a CODES key: one case per code of the target's family

    def __post_init__(self):
        if set(self.expect) != set(ROLES):
            raise ValueError(f"{self.id}: expectations for {sorted(set(ROLES) ^ set(self.expect))} missing/extra")


def _pokes(count: int) -> int:
    """The poke that sees through ``count`` consecutive faults (each poke spends SENSOR_RETRIES + 1)."""
    return count // (SENSOR_RETRIES + 1) + 1


def _answer_lost(count: int, error: str) -> dict[str, Expect]:
    """The vendor acted, then the answer was lost ``count`` times: idempotent calls repeat and find
    the work done; the non-idempotent start is not repeated; pollers poll again."""
    n = count + 1
    return {
        "call": Expect("ok", n, effect=1),
        "start": Expect("already_running", n, effect=1),
        "stop": Expect("already_stopped", n, effect=1),
        "create": Expect("not_repeated", 1, error=error, effect=1),
        "poke": Expect("done", n, pokes=_pokes(count)),
        "trigger": Expect("done", n),
    }


def _refused_then_ok(count: int) -> dict[str, Expect]:
    """The vendor refused ``count`` times before doing anything: everything retries and succeeds."""
    n = count + 1
    return {
        "call": Expect("ok", n, effect=1),
        "start": Expect("ok", n, effect=1),
        "stop": Expect("ok", n, effect=1),
        "create": Expect("ok", n, effect=1),
        "poke": Expect("done", n, pokes=_pokes(count)),
        "trigger": Expect("done", n),
    }


def _final(error: str, requests: int) -> dict[str, Expect]:
    """Retrying cannot help (or was spent): every caller fails after ``requests`` requests."""
    return {
        **{role: Expect("fails", requests, error=error, effect=0) for role in ("call", "start", "stop", "create")},
        "poke": Expect("fails", requests, error=error),
        "trigger": Expect("error_event", requests, error=error),
    }


def _persistent(error: str, *, reached: bool = True) -> dict[str, Expect]:
    """A transient-looking fault that never clears: operators give up after their retries, pollers wait on."""
    attempts = OPERATOR_RETRIES + 1
    requests = attempts if reached else 0
    return {
        **{role: Expect("fails", requests, error=error, effect=0, attempts=attempts)
           for role in ("call", "start", "stop", "create")},
        "poke": Expect("keeps_waiting", MAX_POKES * (SENSOR_RETRIES + 1) if reached else 0),
        "trigger": Expect("keeps_polling", None if reached else 0),
    }


def _resigned_once() -> dict[str, Expect]:
    return {
        **{role: Expect("ok", 2, effect=1) for role in ("call", "start", "stop", "create")},
        "poke": Expect("done", 2, pokes=1),  # the re-signed retry is part of the same poke
        "trigger": Expect("done", 2),
    }


FAULTS: tuple[Fault, ...] = (
    # Never reached the vendor, so even the non-idempotent start is retried.
    Fault("refused", "Connection refused (nothing listens)", "refused",
          _persistent("RtcTransportError", reached=False), count=EVERY),
    Fault("drop", "Connection dropped before the answer, twice", "drop",
          _answer_lost(TRANSIENT, "RtcTransportError"), count=TRANSIENT, processed=True),
    Fault("read_timeout", "Read timeout (answer later than `request_timeout`), once", "slow",
          _answer_lost(1, "RtcTransportError"), count=1, processed=True),
    Fault("http_500", "HTTP 500, twice", "http", _answer_lost(TRANSIENT, "RtcApiError"),
          count=TRANSIENT, processed=True, status=500),
    Fault("http_502", "HTTP 502, twice", "http", _answer_lost(TRANSIENT, "RtcApiError"),
          count=TRANSIENT, processed=True, status=502),
    Fault("http_503", "HTTP 503, twice", "http", _refused_then_ok(TRANSIENT), count=TRANSIENT, status=503),
    Fault("http_429", "HTTP 429, twice", "http", _refused_then_ok(TRANSIENT), count=TRANSIENT, status=429),
    Fault("http_503_always", "HTTP 503 on every request", "http", _persistent("RtcApiError"), count=EVERY,
          status=503),
    Fault("retryable_code", "A retryable vendor code, twice", "vendor_code", _refused_then_ok(TRANSIENT),
          count=TRANSIENT, codes="retryable"),
    Fault("auth_code", "An auth / signature failure code", "vendor_code", _final("RtcAuthError", 1),
          count=EVERY, codes="auth"),
    Fault("wrong_secret", "Wrong secret in the connection", "wrong_secret", _final("RtcAuthError", 1)),
    Fault("expired_once", "Expired timestamp / UserSig, once", "vendor_code", _resigned_once(), count=1,
          codes="expired"),
    Fault("expired_always", "Expired timestamp / UserSig on every request (clock skew)", "vendor_code",
          _final("RtcClockSkewError", 2), count=EVERY, codes="expired"),
    Fault("malformed_json", "Truncated JSON, twice", "malformed_json", _answer_lost(TRANSIENT, "RtcTransportError"),
          count=TRANSIENT, processed=True),
    Fault("html", "HTML error page (a proxy's HTTP 502), twice", "html", _answer_lost(TRANSIENT, "RtcApiError"),
          count=TRANSIENT, processed=True, status=502),
    Fault("empty", "Empty body, twice", "empty", _answer_lost(TRANSIENT, "RtcTransportError"),
          count=TRANSIENT, processed=True),
    Fault("oversized", "Oversized body (over 4 MiB), twice", "oversized",
          _answer_lost(TRANSIENT, "RtcTransportError"), count=TRANSIENT, processed=True),
)


# -- the cases --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    target: Target
    fault: Fault
    role: str
    code: Optional[Code] = None

    @property
    def expect(self) -> Expect:
        return self.fault.expect[self.role]

    @property
    def id(self) -> str:
        suffix = f"-{self.code}" if self.code is not None else ""
        return f"{self.target.name}-{self.fault.id}{suffix}"


def _expand(target: Target, role: str, *, every_code: bool = True) -> Iterator[Case]:
    for fault in FAULTS:
        if fault.codes is None:
            yield Case(target, fault, role)
        else:
            codes = CODES[fault.codes][target.family]
            for code in codes if every_code else codes[:1]:
                yield Case(target, fault, role, code)


def operator_cases() -> list[Case]:
    return [case for target in (*OPERATORS, *CATALOGUE_CALLS) for case in _expand(target, target.role)]


def poke_cases() -> list[Case]:
    return [case for target in SENSORS for case in _expand(target, "poke")]


def trigger_cases() -> list[Case]:
    # One code per family: which codes are retryable or auth is decided by the same interpreter on
    # both paths, and the poke cases run every code; the trigger has to show its loop treats each
    # kind of answer right.
    return [case for target in SENSORS for case in _expand(target, "trigger", every_code=False)]
