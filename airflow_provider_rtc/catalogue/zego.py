"""ZEGO's actions and answer format: RTC server API (host ``rtc``) and Cloud Realtime ASR (``asr``).

Facts: shared/VENDOR_APIS.md section 1 (from ZEGO's server API pages) and the pages cited
per entry. Rate limits are per AppId ("all rooms under the same AppID").
"""

from __future__ import annotations

from airflow_provider_rtc.catalogue.base import Action, AnswerFormat, ErrorTable, RateLimit

VENDOR = "zego"

# From ZEGO's gateway, mix and ASR return-code pages (VENDOR_APIS.md section 1).
ERRORS = ErrorTable(
    clock_skew=frozenset({100000004}),
    auth=frozenset(
        {
            100000001,  # AppId format
            100000005,  # signature wrong
            100000008,  # nonce empty
            100000009,  # signature empty
            100000010,  # cannot get ServerSecret: check AppId
            100000013,  # SignatureVersion empty
            100000014,  # SignatureVersion unsupported
            100000016,  # no production environment: check IsTest
            110200003,  # mix auth failed
            410000002,  # ASR invalid AppId
            410000005,  # ASR gateway auth failed
        }
    ),
    retryable=frozenset(
        {
            100000015,  # gateway internal error
            # Requests per second over the API's limit: back off and retry (ZEGO server API public
            # return codes, https://docs.zegocloud.com/article/9811).
            7, 206,
            110200001, 110200005, 110200006, 110200007, 110200015,  # mix: failed / lock contention
            110200151, 110200159, 110200190, 110200191, 110200194,  # mix: task failed / overloaded
            410000001,  # ASR system error
            410000009,  # ASR internal call failed
            410000010,  # ASR insufficient resources
            410000011,  # ASR concurrency limit
            5018,  # CloseRoom: room state inconsistent, "please retry later" (doc-zh.zego.im/article/14179)
        }
    ),
    not_found=frozenset(
        {
            110209001,  # mix task does not exist
            410001002,  # ASR task not found (stopped or timed out)
            50001,  # DescribeUsers: room does not exist
            # CloseRoom: "room does not exist, same logic as 104 and 50001" (doc-zh.zego.im/article/14179)
            5024, 104,
        }
    ),
    invalid=frozenset({100000002, 100000003, 100000006, 100000007, 110200002, 110200004, 410000003, 410000004}),
)

ANSWERS = AnswerFormat(
    vendor="ZEGO",
    # {Code, Message, RequestId, Data}; Code != 0 is failure whatever the HTTP status.
    markers=(("Code",),),
    codes=(("Code",),),
    message=("Message",),
    request_id=("RequestId",),
    data=("Data",),
    errors=ERRORS,
    strict_int_code=True,
    code_required=True,
)

_MIX = RateLimit(per_second=100)  # mix APIs: 100 requests/s each (VENDOR_APIS.md section 1)
_MIX_DOCS = ("VENDOR_APIS.md section 1 (mix APIs)",)
_ASR_DOCS = ("VENDOR_APIS.md section 1 (Cloud realtime ASR)", "seeds/zego-stop-realtime-asr-task.txt")

ACTIONS = (
    Action(VENDOR, "StartAutoMix", "POST", "StartAutoMixRequest", _MIX,
           (*_MIX_DOCS, "seeds/zego-start-auto-mix.txt"), host="rtc",
           summary="start (or update: same TaskId again) an automatic mix of a room"),
    Action(VENDOR, "StopMix", "POST", "StopMixRequest", _MIX, (*_MIX_DOCS, "seeds/zego-stop-mix.txt"), host="rtc",
           summary="stop a mix task"),
    Action(VENDOR, "StopAutoMix", "POST", "StopAutoMixRequest", _MIX, _MIX_DOCS, host="rtc",
           summary="stop an automatic mix"),
    Action(VENDOR, "GetMixTaskInfo", "GET", "GetMixTaskInfoQuery", _MIX, _MIX_DOCS, host="rtc",
           summary="a mix task's state (110209001: does not exist)"),
    Action(VENDOR, "DescribeSimpleStreamList", "GET", "DescribeSimpleStreamListQuery",
           # "50 times/second per AppID; once every 10 seconds for the same room" (the page below).
           RateLimit(per_second=50, per_resource_interval=10.0, resource_field="RoomId"),
           ("https://docs.zegocloud.com/article/13858",), host="rtc",
           example={"query": {"RoomId": "catalogue-room"}}, summary="the streams in a room"),
    Action(VENDOR, "DescribeUserNum", "GET", "DescribeUserNumQuery", RateLimit(per_second=10),
           ("VENDOR_APIS.md section 1 (room APIs)",), host="rtc", wire_names={"RoomId": "RoomId[]"},
           example={"query": {"RoomId": "catalogue-room"}}, summary="how many users a room has"),
    Action(VENDOR, "DescribeUsers", "GET", "DescribeUsersQuery", RateLimit(per_second=10),
           ("VENDOR_APIS.md section 1 (room APIs)",), host="rtc", wire_names={"UserId": "UserId[]"},
           summary="whether given users are in a room (50001: the room does not exist)",
           unconfirmed="The Status values of UserStatusList are not in the digest; the sensor reads 'present in "
                       "the list' only, and accepts Status 1 (online) or a missing Status as present."),
    Action(VENDOR, "DescribeRTCStreamState", "GET", "DescribeRTCStreamStateQuery", RateLimit(per_second=40),
           ("https://www.zegocloud.com/docs/real-time-voice-server/api-reference/media-service/"
            "describe-rtc-stream-state", "https://docs.zegocloud.com/article/9793"), host="rtc",
           # "For the same StreamId, within 10 consecutive seconds, the request sequence number must be
           # strictly increasing" (zegocloud.com resume-rtc-stream / describe-rtc-stream-state pages).
           increasing=("Sequence",),
           summary="whether a stream is live on the RTC server (Code 0 active, 41004 no such stream, 41006 closed)",
           unconfirmed="Whether 41004/41006 come as the envelope's Code (an error answer) or inside Data is not "
                       "settled by the pages found; the sensor reads both (error code, or Data.Code / Data.State)."),
    Action(VENDOR, "CloseRoom", "GET", "CloseRoomQuery", RateLimit(per_second=1),
           ("https://www.zegocloud.com/docs/real-time-voice-server/api-reference/room/close",
            "https://docs.zegocloud.com/article/14914", "https://doc-zh.zego.im/article/14179"), host="rtc",
           summary="remove everyone from a room and close it (5024/50001/104: no such room)"),
    Action(VENDOR, "StartRealtimeASRTask", "POST", "StartAsrRequest", RateLimit(per_second=None), _ASR_DOCS,
           host="asr", idempotent=False,  # every call starts a new task
           summary="start cloud realtime speech recognition for a room",
           unconfirmed="No rate limit is documented for the ASR actions."),
    Action(VENDOR, "StopRealtimeASRTask", "POST", "StopAsrRequest", RateLimit(per_second=None), _ASR_DOCS,
           host="asr", summary="stop a realtime ASR task (410001002: already ended)",
           unconfirmed="No rate limit is documented for the ASR actions."),
)
