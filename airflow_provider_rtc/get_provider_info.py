"""Provider metadata Airflow reads through the ``apache_airflow_provider`` entry point.

Connection forms are declared here (``conn-fields`` / ``ui-field-behaviour``), which Airflow >= 3.2
renders without importing the hooks; the deprecated hook UI methods are deliberately not used.
This module must stay free of imports: Airflow loads it in every process.
"""

from __future__ import annotations

# How Airflow 3.3's connection form treats these declarations (read in its UI, verified by
# tests/e2e/test_ui.py):
# - Every extra field is written into the saved extra with its current value, so a field without a
#   ``default`` was stored as ``null``. Each field therefore has a default: the value the hook uses
#   anyway, or "" where the default is derived (e.g. Volcengine's region from the host). The hooks
#   treat null and "" as "not set" too, for connections saved by older forms or cleared fields.
# - A dropdown shows ``null`` as a literal option; "" with a ``values_display`` label does not.
# - ``placeholders`` reach only the standard fields (login, password, host, port); hints for extra
#   fields go in their description, and ``examples`` gives a text field a list of suggestions.
# - Extra fields sit in collapsed sections under "Standard Fields"; a ``section`` name is a visible
#   header, which is how a user finds e.g. ZEGO's ASR host without opening every section.
# - The port field is shown: Airflow 3.3.2's Test button sends ``port: 0`` for a connection without
#   a stored port and the api-server refuses the mismatch ("Bad Request"); with a port saved (443)
#   the button works. The hooks treat 0, empty or the scheme's default port as "no port".
# - Except the secrets: the api-server's form metadata (ConnectionHookMetaData.redact_extra_fields)
#   replaces the default of every extra whose name Airflow hides ("secret", "token", ...) by "***"
#   unless it is null, and the form then saves that mask as the value (seen in tests/e2e/test_ui.py).
#   A secret field therefore has no default: left empty it saves null, which the hooks and the
#   callback receiver read as "not set"; both refuse a stored "***" (hooks.connection.MASK).
_OPTIONAL_STRING = {"type": ["string", "null"], "default": ""}
_OPTIONAL_SECRET = {"type": ["string", "null"], "format": "password"}
# The secrets that verify vendor callbacks (airflow_provider_rtc.callbacks) under their own header:
# only a connection that receives callbacks needs them, and the API fields stay on top.
_CALLBACK_SECRET = {**_OPTIONAL_SECRET, "section": "Vendor callbacks"}

_PORT_PLACEHOLDER = "443 (save it: Airflow 3.3's Test button needs a stored port)"
_CONNECTION_SECTION = "Timeouts and TLS"

_TIMEOUT_FIELD = {
    "label": "Read timeout (seconds)",
    "description": "Seconds to wait for the vendor's answer to one request (default 30, at most 3600; "
    "connecting waits at most 5).",
    "schema": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 3600, "default": 30,
               "section": _CONNECTION_SECTION},
}
_VERIFY_FIELD = {
    "label": "TLS verification",
    "description": "true (default): verify against the system CA store; false: no verification (logged as a "
    "warning; never for production); or the path of a CA bundle file or c_rehash'ed directory, which must exist.",
    "schema": {"type": ["string", "null"], "default": "true", "examples": ["true", "false"],
               "section": _CONNECTION_SECTION},
}


# The process rate governor's extras (airflow_provider_rtc.ratelimit.plans); the documented limits
# themselves are the action catalogue's. Defaults mean "the documented limits, all of them".
_RATE_LIMITS_SECTION = "Rate limits"
_RATE_LIMIT_SHARE_FIELD = {
    "label": "Share of the rate limits",
    "description": "Share of the account's documented rate limits each Airflow process (worker or triggerer) may "
    "use: above 0, at most 1 (default 1, all of it). Lower it when other systems, other workers or a second "
    "triggerer call the same account, e.g. 0.5 for each of two triggerers.",
    "schema": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 1, "default": 1,
               "section": _RATE_LIMITS_SECTION},
}


def _rate_limits_field(example: str) -> dict:
    return {
        "label": "Own rate limits (calls per second)",
        "description": f'JSON object of calls per second by action, replacing the documented limit (and the share) '
        f'for that action, e.g. {{"{example}": 5}}. Empty (default): the documented limits.',
        "schema": {"type": ["string", "null"], "default": "", "examples": [f'{{"{example}": 5}}'],
                   "section": _RATE_LIMITS_SECTION},
    }


def _ui_behaviour(relabeling: dict, placeholders: dict) -> dict:
    return {
        "hidden-fields": ["schema"],
        "relabeling": relabeling,
        "placeholders": {**placeholders, "port": _PORT_PLACEHOLDER},
    }


_ZEGO_ENDPOINTS = "Endpoints: region, realtime ASR host"
_ZEGO = {
    "hook-class-name": "airflow_provider_rtc.hooks.zego.ZegoHook",
    "hook-name": "ZEGO RTC",
    "connection-type": "zego",
    "conn-fields": {
        "region": {
            "label": "Region",
            "description": "Regional RTC host rtc-api-{region}.zego.im, used when RTC API host is empty.",
            "schema": {
                "type": ["string", "null"],
                "default": "",
                "enum": ["", "sha", "hkg", "fra", "lax", "bom", "sgp"],
                # Region names: ZEGO's server API "request address" list (see shared/VENDOR_APIS.md 1).
                "values_display": {
                    "": "Unified host rtc-api.zego.im (default)",
                    "sha": "sha: Shanghai",
                    "hkg": "hkg: Hong Kong",
                    "fra": "fra: Frankfurt",
                    "lax": "lax: California",
                    "bom": "bom: Mumbai",
                    "sgp": "sgp: Singapore",
                },
                "section": _ZEGO_ENDPOINTS,
            },
        },
        "asr_host": {
            "label": "Realtime ASR host",
            "description": "Cloud realtime ASR API base for StartASROperator / StopASROperator "
            "(default https://cloud-realtime-asr-api.zegotech.cn).",
            "schema": {"type": ["string", "null"], "default": "https://cloud-realtime-asr-api.zegotech.cn",
                       "section": _ZEGO_ENDPOINTS},
        },
        "is_test": {
            "label": "Test environment (IsTest)",
            "description": "Only projects created before 2021-11-16 need this.",
            "schema": {"type": ["boolean", "null"], "default": False},
        },
        "timeout": _TIMEOUT_FIELD,
        "verify": _VERIFY_FIELD,
        "callback_secret": {
            "label": "CallbackSecret (callbacks)",
            "description": "Console CallbackSecret that signs ZEGO's callbacks to /rtc-callbacks/zego/<conn_id> "
            "(not the ServerSecret). Empty: callbacks are refused.",
            "schema": _CALLBACK_SECRET,
        },
        "rate_limit_share": _RATE_LIMIT_SHARE_FIELD,
        "rate_limits": _rate_limits_field("DescribeUserNum"),
    },
    "ui-field-behaviour": _ui_behaviour(
        {"login": "AppId", "password": "ServerSecret", "host": "RTC API host (ASR host: see Endpoints below)"},
        {"login": "1234567890", "password": "32-character ServerSecret from the ZEGO console",
         "host": "https://rtc-api.zego.im (empty: unified host or the region below)"},
    ),
}

_VOLCENGINE_RTC = {
    "hook-class-name": "airflow_provider_rtc.hooks.volcengine.VolcengineRtcHook",
    "hook-name": "Volcengine RTC",
    "connection-type": "volcengine_rtc",
    "conn-fields": {
        "app_id": {
            "label": "Default AppId",
            "description": "RTC AppId the operators use when they are not given app_id.",
            "schema": _OPTIONAL_STRING,
        },
        "region": {
            "label": "Region",
            "description": "Credential-scope region. Empty: cn-north-1 for Volcengine, ap-singapore-1 when the host "
            "is open.byteplusapi.com (BytePlus).",
            "schema": {**_OPTIONAL_STRING, "examples": ["cn-north-1", "ap-singapore-1"]},
        },
        "service": {
            "label": "Service",
            "description": "Credential-scope service name (default rtc).",
            "schema": {**_OPTIONAL_STRING, "default": "rtc"},
        },
        "session_token": {
            "label": "Session token (STS)",
            "description": "Temporary-credential token, sent as X-Security-Token and signed. Leave empty for a "
            "permanent AccessKey.",
            "schema": _OPTIONAL_SECRET,
        },
        "timeout": _TIMEOUT_FIELD,
        "verify": _VERIFY_FIELD,
        "callback_secret_key": {
            "label": "Callback SecretKey (callbacks)",
            "description": "SecretKey set for event callbacks in the RTC console; verifies callbacks to "
            "/rtc-callbacks/volcengine/<conn_id>. Empty: callbacks are refused.",
            "schema": _CALLBACK_SECRET,
        },
        "rate_limit_share": _RATE_LIMIT_SHARE_FIELD,
        "rate_limits": _rate_limits_field("GetSegmentTask"),
    },
    "ui-field-behaviour": _ui_behaviour(
        {"login": "AccessKeyId", "password": "SecretAccessKey", "host": "OpenAPI host"},
        {"login": "AKLT...", "password": "SecretAccessKey of the AccessKeyId (IAM console)",
         "host": "rtc.volcengineapi.com (BytePlus: open.byteplusapi.com)"},
    ),
}

_TENCENT_LIVE = {
    "hook-class-name": "airflow_provider_rtc.hooks.tencent.TencentLiveHook",
    "hook-name": "Tencent Cloud Live (TUILiveKit)",
    "connection-type": "tencent_live",
    "conn-fields": {
        "region": {
            "label": "Region",
            "description": "Data-centre region of the SDKAppID; selects Tencent's REST domain. Ignored when "
            "REST API host is set.",
            "schema": {
                "type": ["string", "null"],
                "default": "china",
                "enum": ["china", "singapore", "seoul", "frankfurt", "mumbai", "silicon-valley", "jakarta"],
                # Domains per region: Tencent IM REST API "domain" list (see shared/VENDOR_APIS.md 3).
                "values_display": {
                    "china": "China: console.tim.qq.com (default)",
                    "singapore": "Singapore: adminapisgp.im.qcloud.com",
                    "seoul": "Seoul: adminapikr.im.qcloud.com",
                    "frankfurt": "Frankfurt: adminapiger.im.qcloud.com",
                    "mumbai": "Mumbai: adminapiind.im.qcloud.com",
                    "silicon-valley": "Silicon Valley: adminapiusa.im.qcloud.com",
                    "jakarta": "Jakarta: adminapiidn.im.qcloud.com",
                },
            },
        },
        "identifier": {
            "label": "Admin identifier",
            "description": "App admin account the UserSig is issued for (default administrator).",
            "schema": {**_OPTIONAL_STRING, "default": "administrator"},
        },
        "usersig_ttl": {
            "label": "UserSig lifetime (seconds)",
            "description": (
                "Lifetime of each generated UserSig (default 86400). The hook caches it and makes a new one "
                "when less than 10% of it or 5 minutes remain."
            ),
            "schema": {"type": ["integer", "null"], "exclusiveMinimum": 0, "default": 86400,
                       "section": _CONNECTION_SECTION},
        },
        "timeout": _TIMEOUT_FIELD,
        "verify": _VERIFY_FIELD,
        "callback_token": {
            "label": "Callback token (IM / live callbacks)",
            "description": "Callback authentication token of the IM console (or live_config/set_callback_token); "
            "verifies TUILiveKit callbacks to /rtc-callbacks/tencent/<conn_id>. Empty: they are refused.",
            "schema": _CALLBACK_SECRET,
        },
        "trtc_callback_secret": {
            "label": "TRTC callback key (room / media events)",
            "description": "Callback key of the TRTC console's event callbacks (HMAC-SHA256 of the body). "
            "Empty: TRTC events are refused.",
            "schema": _CALLBACK_SECRET,
        },
        "rate_limit_share": _RATE_LIMIT_SHARE_FIELD,
        "rate_limits": _rate_limits_field("get_room_info"),
    },
    "ui-field-behaviour": _ui_behaviour(
        {"login": "SDKAppID", "password": "SDK secret key", "host": "REST API host"},
        {"login": "1400000000", "password": "SDK secret key from the Tencent Cloud IM / TRTC console",
         "host": "console.tim.qq.com (empty: the region's domain)"},
    ),
}


def get_provider_info() -> dict:
    return {
        "package-name": "airflow-provider-rtc",
        "name": "RTC (ZEGO, Volcengine, Tencent)",
        "description": "Operators, sensors and hooks for the server APIs of ZEGO RTC (mix, realtime ASR), "
        "Volcengine / BytePlus RTC (audio slicing) and Tencent Cloud live engine (TUILiveKit).",
        "versions": ["0.1.0"],
        "integrations": [
            {"integration-name": name, "external-doc-url": url, "tags": ["service"]}
            for name, url in (
                ("ZEGO RTC", "https://doc-zh.zego.im/"),
                ("Volcengine RTC", "https://www.volcengine.com/docs/6348"),
                ("Tencent Cloud Live", "https://www.tencentcloud.com/document/product/267"),
            )
        ],
        "hooks": _modules("hooks"),
        "operators": _modules("operators"),
        "sensors": _modules("sensors"),
        "triggers": [{"integration-name": "ZEGO RTC", "python-modules": ["airflow_provider_rtc.triggers.rtc"]}],
        "connection-types": [_ZEGO, _VOLCENGINE_RTC, _TENCENT_LIVE],
        "extra-links": [f"airflow_provider_rtc.links.{name}" for name in _EXTRA_LINKS],
    }


# The operator extra links (``airflow_provider_rtc.links``), listed by class name so this module stays
# import-free; tests/unit/test_links.py checks the list against the module.
_EXTRA_LINKS = ("MixPlaybackHlsLink", "MixPlaybackFlvLink")

_MODULE_OF = {"ZEGO RTC": "zego", "Volcengine RTC": "volcengine", "Tencent Cloud Live": "tencent"}


def _modules(kind: str) -> list[dict]:
    return [
        {"integration-name": name, "python-modules": [f"airflow_provider_rtc.{kind}.{module}"]}
        for name, module in _MODULE_OF.items()
    ]
