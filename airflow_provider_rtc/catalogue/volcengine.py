"""Volcengine (and BytePlus) RTC OpenAPI actions and answer format.

Facts: shared/VENDOR_APIS.md section 2 and the pages cited per entry. Quotas are per
Volcengine account, shared by all its AppIds (section 2), hence ``scope="account"``.
"""

from __future__ import annotations

from airflow_provider_rtc.catalogue.base import Action, AnswerFormat, ErrorTable, RateLimit

VENDOR = "volcengine"

# Gateway and RTC codes (VENDOR_APIS.md section 2); statuses per the public error-code page.
ERRORS = ErrorTable(
    clock_skew=frozenset({"InvalidTimestamp"}),  # 100006: signature expired, re-sign once
    auth=frozenset(
        {
            "MissingAuthenticationToken",  # 100003
            "MissingRequestInfo",  # 100004: no AK / region / service in the request
            "MissingSignature",  # 100005
            "InvalidAccessKey",  # 100009
            "SignatureDoesNotMatch",  # 100010
            "LackPolicy",  # 100012: the sub-account has no policy for RTC
            "AccessDenied",  # 100013
        }
    ),
    retryable=frozenset(
        {
            "FlowLimitExceeded.QPSOverLimit",
            # Not in the digest: the gateway's names for throttling and transient failures. Behind
            # a 429/5xx an unknown code is retried anyway; these also cover an HTTP 200 envelope.
            "FlowLimitExceeded",
            "ServiceFlowLimitExceeded",
            "AccountFlowLimitExceeded",
            "InternalError",
            "InternalServiceError",
            "InternalServiceTimeout",
            "ServiceUnavailableTemp",  # 503 "service temporarily unavailable" (volcengine.com/docs/6448/76370)
            # Not "ServiceUnavailable": the older gateway table (volcengine.com/docs/4640/65080) gives it
            # CodeN 100007, "the requested service does not exist" (ServiceNotFound's CodeN), not a
            # transient fault. Left out of every class, it is judged like an unknown code: final at
            # HTTP 200/4xx, retried only when a 429/5xx status says the gateway is unwell.
        }
    ),
    not_found=frozenset({"InvalidParameter.ErrorActiveTaskNotFound"}),  # no such task, or it has stopped
    already_exists=frozenset({"InvalidParameter.TaskAlreadyExists"}),
    invalid=frozenset(
        {
            "MissingParameter",  # 100002
            "ServiceNotFound",  # 100007: check the connection's service extra
            "InvalidActionOrVersion",  # 100008
            "InvalidParameter",
            "InvalidParameter.IllegalRoomID",
            "InvalidParameter.BodyIsEmpty",
            "InvalidParameter.Unmarshal",
            "InvalidParameter.NotExistAppId",
        }
    ),
    # RTC adds new InvalidParameter.* codes per API; retrying cannot help with any of them.
    invalid_prefixes=("InvalidParameter.", "MissingParameter."),
)

ANSWERS = AnswerFormat(
    vendor="Volcengine",
    # {ResponseMetadata: {RequestId, Error?: {Code, CodeN, Message}}, Result}. Error means failure
    # whatever the HTTP status: 2020-12-01 / 2022-06-01 answer HTTP 200 with it, newer APIs 4xx/5xx.
    markers=(("ResponseMetadata",),),
    codes=(("ResponseMetadata", "Error", "Code"), ("ResponseMetadata", "Error", "CodeN")),
    message=("ResponseMetadata", "Error", "Message"),
    request_id=("ResponseMetadata", "RequestId"),
    data=("Result",),
    errors=ERRORS,
    code_type=str,
    success_codes=frozenset(),
    # "If the result holds an Error field, the call failed" (volcengine.com/docs/6499/1125371): an
    # Error with a message but no Code is still a failure; an all-empty one says nothing.
    error_object=("ResponseMetadata", "Error"),
)

_SEGMENT_DOCS = ("VENDOR_APIS.md section 2 (segment APIs)", "seeds/volcengine-stop-segment.txt")
# Segment APIs: Volcengine documents 2020-12-01; BytePlus serves them as 2022-06-01 (section 2).
SEGMENT_VERSION = "2020-12-01"
BYTEPLUS_SEGMENT_VERSION = "2022-06-01"
RECORD_VERSION = "2023-11-01"  # volcengine.com/docs/6348/1188215 and /1188200
BYTEPLUS_RECORD_VERSION = "2022-06-01"  # docs.byteplus.com .../docs-115526 and /docs-116408

ACTIONS = (
    Action(VENDOR, "StartSegment", "POST", "StartSegmentRequest", RateLimit(150, scope="account"), _SEGMENT_DOCS,
           version=SEGMENT_VERSION, byteplus_version=BYTEPLUS_SEGMENT_VERSION,
           summary="start slicing a room's audio (a repeated TaskId answers TaskAlreadyExists)"),
    Action(VENDOR, "StopSegment", "POST", "StopSegmentRequest", RateLimit(150, scope="account"), _SEGMENT_DOCS,
           version=SEGMENT_VERSION, byteplus_version=BYTEPLUS_SEGMENT_VERSION, summary="stop slicing"),
    Action(VENDOR, "GetSegmentTask", "GET", "GetSegmentTaskQuery", RateLimit(60, scope="account"), _SEGMENT_DOCS,
           version="2022-06-01", summary="a segment task's Status (3 ended, 4 failed)"),
    Action(VENDOR, "GetRoomOnlineUsers", "GET", "GetRoomOnlineUsersQuery", RateLimit(40, scope="account"),
           ("VENDOR_APIS.md section 2",), version="2023-11-01",
           example={"query": {"AppId": "{app_id}", "RoomId": "catalogue-room"}},
           summary="the users in a room (RoomExists / RoomExist)"),
    Action(VENDOR, "BanRoomUser", "POST", "BanRoomUserRequest", RateLimit(None, scope="account"),
           ("https://docs.byteplus.com/en/docs/byteplus-rtc/docs-1188353",), version="2023-11-01",
           example={"body": {"AppId": "{app_id}", "RoomId": "catalogue-room"}},
           summary="remove everyone (AppId + RoomId) or one user from a room; ForbiddenInterval keeps them out",
           unconfirmed="BanRoomUser's QPS limit was not in the pages found (its sibling UpdateBanRoomUserRule "
                       "allows 20/s); what it answers for a room that does not exist is not documented, so "
                       "any success or not-found answer counts as closed."),
    Action(VENDOR, "StartRecord", "POST", "StartRecordRequest", RateLimit(60, scope="account"),
           ("https://www.volcengine.com/docs/6348/1188215", "https://docs.byteplus.com/en/docs/byteplus-rtc/docs-115526"),
           version=RECORD_VERSION, byteplus_version=BYTEPLUS_RECORD_VERSION,
           summary="start cloud recording (a repeated TaskId answers TaskAlreadyExists)",
           unconfirmed="That a repeated TaskId answers InvalidParameter.TaskAlreadyExists is documented for the "
                       "segment APIs and assumed here (same task identity AppId + RoomId + TaskId)."),
    Action(VENDOR, "StopRecord", "POST", "StopRecordRequest", RateLimit(60, scope="account"),
           ("https://www.volcengine.com/docs/6348/1188200",), version=RECORD_VERSION,
           byteplus_version=BYTEPLUS_RECORD_VERSION, summary="stop cloud recording"),
    Action(VENDOR, "GetRecordTask", "GET", "GetRecordTaskQuery", RateLimit(None, scope="account"),
           ("https://docs.byteplus.com/en/docs/byteplus-rtc/docs-116408",), version=RECORD_VERSION,
           byteplus_version=BYTEPLUS_RECORD_VERSION,
           summary="a recording task's Status (3 ended, 4 failed) and RecordFileList",
           unconfirmed="Volcengine's own GetRecordTask page was not found: its Version is assumed to be the "
                       "recording APIs' 2023-11-01 (BytePlus documents 2022-06-01; api_version overrides), and "
                       "its QPS limit is unknown."),
)
