"""Tencent Cloud IM live engine (``live_engine_http_srv``) commands and answer format.

Facts: shared/VENDOR_APIS.md section 3 and the pages cited per entry. Limits are per
SDKAppID.
"""

from __future__ import annotations

from airflow_provider_rtc.catalogue.base import Action, AnswerFormat, ErrorTable, RateLimit

VENDOR = "tencent"
EXPIRED_USERSIG = 70001

# From Tencent's common (60000-79999) and live-engine error codes (VENDOR_APIS.md section 3).
ERRORS = ErrorTable(
    # An expired UserSig is the vendor's "stale timestamp": the retry policy allows exactly one more
    # attempt, and the hook drops its cached UserSig so that attempt carries a fresh one.
    clock_skew=frozenset({EXPIRED_USERSIG}),
    # Never retried: repeated failed checks lock the account for a minute (70050).
    auth=frozenset(
        {
            60006,  # SDKAppID invalid
            60010,  # identifier must be an App admin
            70002,  # UserSig empty
            70003,  # UserSig check failed (undecodable)
            70005,  # UserSig check failed
            70009,  # key and SDKAppID do not match (HMAC)
            70013,  # identifier in the UserSig does not match the request
            70014,  # SDKAppID in the UserSig does not match the request
            70016,  # key not found
            70050,  # locked for a minute after too many failed attempts
        }
    ),
    retryable=frozenset(
        {
            60007,  # REST API rate limit
            60008,  # service timeout
            60011,  # SDKAppID rate limit
            60018, 60019,  # requests too frequent
            70169, 70500,  # internal errors
            100001,  # live engine internal error
            100422,  # rate limited: 20 mix operations per second per SDKAppID
            100427,  # mixing operations in this room too fast
        }
    ),
    not_found=frozenset(
        {
            100004,  # room does not exist or has been dissolved
            100424,  # mix task does not exist
        }
    ),
    invalid=frozenset(
        {
            60002,  # bad URL
            60003,  # bad JSON body
            100002,  # invalid parameter
            100006,  # not a Live room / unlimited room not enabled
            100007,  # paid plan insufficient
            100429,  # invalid mixing mode
        }
    ),
    # 100428 (failed to pull the host information) is left unclassified (FAILED, not retried): it
    # reports the room's state (anchors not on a seat), neither a bad parameter nor a transient fault.
)

USERSIG_CODES = frozenset({EXPIRED_USERSIG, 70002, 70003, 70005, 70009, 70013, 70014, 70016})

ANSWERS = AnswerFormat(
    vendor="Tencent",
    # {ActionStatus, ErrorCode, ErrorInfo, RequestId, Response?}: success needs ActionStatus "OK"
    # (when present), ErrorCode 0 (when present) and a 2xx status.
    markers=(("ActionStatus",), ("ErrorCode",)),
    codes=(("ErrorCode",),),
    message=("ErrorInfo",),
    request_id=("RequestId",),
    data=("Response",),
    errors=ERRORS,
    status=("ActionStatus",),
    hints={
        EXPIRED_USERSIG: (
            "Tencent rejected the UserSig as expired; the hook regenerates it once. If a fresh one is "
            "rejected too, check the worker's clock (NTP) and the connection's usersig_ttl extra"
        ),
        60006: "Check the connection's login: it must be the SDKAppID of the Live application",
        60010: "The connection's identifier extra must be an App admin account (default 'administrator')",
        70050: "The account is locked for a minute after repeated signature failures: fix the key, then wait",
        100006: "The room must be a Live room created with IsUnlimitedRoomEnabled set to true",
        100007: "The application's paid plan does not include this capability",
        100428: "All anchors taking part in the mix must be on a seat",
    },
    auth_hint=(
        "Credentials rejected; not retried, because repeated failures lock the account for a minute (70050). "
        "Check the connection's SDKAppID (login), SDK secret key (password) and identifier"
    ),
    subject_messages={
        100004: "room {RoomId!r} does not exist or has been dissolved",
        100424: "room {RoomId!r} has no mix task",
    },
)

_DOCS = ("VENDOR_APIS.md section 3",)

ACTIONS = (
    Action(VENDOR, "resume_mcu_task", "POST", "ResumeMcuTaskRequest", RateLimit(20),
           (*_DOCS, "seeds/tencent-resume-mcu-task.txt"), summary="resume a room's stream-mixing layout"),
    Action(VENDOR, "set_mix_stream", "POST", "SetMixStreamRequest", RateLimit(20), _DOCS,
           summary="set a room's stream-mixing layout"),
    Action(VENDOR, "get_room_info", "POST", "GetRoomInfoRequest", RateLimit(200), _DOCS,
           summary="a room's information (100004: no such room)"),
    Action(VENDOR, "destroy_room", "POST", "DestroyRoomRequest", RateLimit(200),
           ("https://tencentcloud.com/document/product/647/63422", "https://www.tencentcloud.com/document/product/647/63406"),
           summary="dissolve a room (100004: already gone)"),
)
