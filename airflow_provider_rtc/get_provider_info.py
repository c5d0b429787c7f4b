"""Provider metadata Airflow reads through the ``apache_airflow_provider`` entry point.

Connection forms are declared here (``conn-fields`` / ``ui-field-behaviour``), which Airflow >= 3.2
renders without importing the hooks; the deprecated hook UI methods are deliberately not used.
This module must stay free of imports: Airflow loads it in every process.
"""

from __future__ import annotations

_OPTIONAL_STRING = {"type": ["string", "null"]}
_OPTIONAL_NUMBER = {"type": ["number", "null"], "exclusiveMinimum": 0}
_OPTIONAL_SECRET = {"type": ["string", "null"], "format": "password"}

_TIMEOUT_FIELD = {
    "label": "Read timeout (seconds)",
    "description": "Seconds to wait for the vendor's answer to one request (default 30; connecting waits at most 5).",
    "schema": _OPTIONAL_NUMBER,
}
_VERIFY_FIELD = {
    "label": "TLS verification",
    "description": "Leave empty to verify against the system CA store, or give the path of a CA bundle.",
    "schema": _OPTIONAL_STRING,
}

_ZEGO = {
    "hook-class-name": "airflow_provider_rtc.hooks.zego.ZegoHook",
    "hook-name": "ZEGO RTC",
    "connection-type": "zego",
    "conn-fields": {
        "region": {
            "label": "Region",
            "description": "Regional RTC host rtc-api-{region}.zego.im; empty uses the unified host.",
            "schema": {"type": ["string", "null"], "enum": [None, "sha", "hkg", "fra", "lax", "bom", "sgp"]},
        },
        "asr_host": {
            "label": "Realtime ASR host",
            "description": "Cloud realtime ASR API base (default https://cloud-realtime-asr-api.zegotech.cn).",
            "schema": _OPTIONAL_STRING,
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
            "schema": _OPTIONAL_SECRET,
        },
    },
    "ui-field-behaviour": {
        "hidden-fields": ["schema", "port"],
        "relabeling": {"login": "AppId", "password": "ServerSecret", "host": "RTC API host"},
        "placeholders": {
            "login": "1234567890",
            "password": "32-character ServerSecret from the ZEGO console",
            "host": "https://rtc-api.zego.im",
            "region": "sha | hkg | fra | lax | bom | sgp",
            "asr_host": "https://cloud-realtime-asr-api.zegotech.cn",
            "timeout": "30",
            "callback_secret": "CallbackSecret from the ZEGO console",
        },
    },
}

_VOLCENGINE_RTC = {
    "hook-class-name": "airflow_provider_rtc.hooks.volcengine.VolcengineRtcHook",
    "hook-name": "Volcengine RTC",
    "connection-type": "volcengine_rtc",
    "conn-fields": {
        "region": {
            "label": "Region",
            "description": "Credential-scope region: cn-north-1 (default) for Volcengine, ap-singapore-1 for BytePlus "
            "(the default when the host is open.byteplusapi.com).",
            "schema": _OPTIONAL_STRING,
        },
        "service": {
            "label": "Service",
            "description": "Credential-scope service name (default rtc).",
            "schema": _OPTIONAL_STRING,
        },
        "app_id": {
            "label": "Default AppId",
            "description": "RTC AppId the operators use when they are not given app_id.",
            "schema": _OPTIONAL_STRING,
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
            "schema": _OPTIONAL_SECRET,
        },
    },
    "ui-field-behaviour": {
        "hidden-fields": ["schema", "port"],
        "relabeling": {"login": "AccessKeyId", "password": "SecretAccessKey", "host": "OpenAPI host"},
        "placeholders": {
            "login": "AKLT...",
            "password": "SecretAccessKey of the AccessKeyId (IAM console)",
            "host": "rtc.volcengineapi.com (BytePlus: open.byteplusapi.com)",
            "region": "cn-north-1 (BytePlus: ap-singapore-1)",
            "service": "rtc",
            "app_id": "RTC AppId from the console",
            "session_token": "only for STS temporary credentials",
            "callback_secret_key": "callback SecretKey from the RTC console",
            "timeout": "30",
        },
    },
}

_TENCENT_LIVE = {
    "hook-class-name": "airflow_provider_rtc.hooks.tencent.TencentLiveHook",
    "hook-name": "Tencent Cloud Live (TUILiveKit)",
    "connection-type": "tencent_live",
    "conn-fields": {
        "region": {
            "label": "Region",
            "description": (
                "Data-centre region of the SDKAppID; selects Tencent's REST domain (china: console.tim.qq.com, "
                "singapore: adminapisgp.im.qcloud.com, ...). Ignored when Host is set; empty means china."
            ),
            "schema": {
                "type": ["string", "null"],
                "enum": [None, "china", "singapore", "seoul", "frankfurt", "mumbai", "silicon-valley", "jakarta"],
            },
        },
        "identifier": {
            "label": "Admin identifier",
            "description": "App admin account the UserSig is issued for (default administrator).",
            "schema": _OPTIONAL_STRING,
        },
        "usersig_ttl": {
            "label": "UserSig lifetime (seconds)",
            "description": (
                "Lifetime of each generated UserSig (default 86400). The hook caches it and makes a new one "
                "when less than 10% of it or 5 minutes remain."
            ),
            "schema": {"type": ["integer", "null"], "exclusiveMinimum": 0},
        },
        "timeout": _TIMEOUT_FIELD,
        "verify": _VERIFY_FIELD,
        "callback_token": {
            "label": "Callback token (IM / live callbacks)",
            "description": "Callback authentication token of the IM console (or live_config/set_callback_token); "
            "verifies TUILiveKit callbacks to /rtc-callbacks/tencent/<conn_id>. Empty: they are refused.",
            "schema": _OPTIONAL_SECRET,
        },
        "trtc_callback_secret": {
            "label": "TRTC callback key (room / media events)",
            "description": "Callback key of the TRTC console's event callbacks (HMAC-SHA256 of the body). "
            "Empty: TRTC events are refused.",
            "schema": _OPTIONAL_SECRET,
        },
    },
    "ui-field-behaviour": {
        "hidden-fields": ["schema", "port"],
        "relabeling": {"login": "SDKAppID", "password": "SDK secret key", "host": "REST API host"},
        "placeholders": {
            "login": "1400000000",
            "password": "SDK secret key from the Tencent Cloud IM / TRTC console",
            "host": "console.tim.qq.com",
            "region": "china | singapore | seoul | frankfurt | mumbai | silicon-valley | jakarta",
            "identifier": "administrator",
            "usersig_ttl": "86400",
            "timeout": "30",
            "callback_token": "IM callback token",
            "trtc_callback_secret": "TRTC event callback key",
        },
    },
}


def get_provider_info() -> dict:
    return {
        "package-name": "airflow-provider-rtc",
        "name": "RTC (ZEGO, Volcengine, Tencent)",
        "description": "Operators, sensors and hooks for real-time-communication cloud APIs.",
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
    }


_MODULE_OF = {"ZEGO RTC": "zego", "Volcengine RTC": "volcengine", "Tencent Cloud Live": "tencent"}


def _modules(kind: str) -> list[dict]:
    return [
        {"integration-name": name, "python-modules": [f"airflow_provider_rtc.{kind}.{module}"]}
        for name, module in _MODULE_OF.items()
    ]
