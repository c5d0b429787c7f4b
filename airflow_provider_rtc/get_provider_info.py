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
            "timeout": "30",
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
            {"integration-name": "ZEGO RTC", "external-doc-url": "https://doc-zh.zego.im/", "tags": ["service"]},
            {"integration-name": "Volcengine RTC", "external-doc-url": "https://www.volcengine.com/docs/6348",
             "tags": ["service"]},
        ],
        "hooks": [
            {"integration-name": "ZEGO RTC", "python-modules": ["airflow_provider_rtc.hooks.zego"]},
            {"integration-name": "Volcengine RTC", "python-modules": ["airflow_provider_rtc.hooks.volcengine"]},
        ],
        "operators": [
            {"integration-name": "ZEGO RTC", "python-modules": ["airflow_provider_rtc.operators.zego"]},
            {"integration-name": "Volcengine RTC", "python-modules": ["airflow_provider_rtc.operators.volcengine"]},
        ],
        "sensors": [
            {"integration-name": "ZEGO RTC", "python-modules": ["airflow_provider_rtc.sensors.zego"]},
        ],
        "triggers": [
            {"integration-name": "ZEGO RTC", "python-modules": ["airflow_provider_rtc.triggers.rtc"]},
        ],
        "connection-types": [_ZEGO, _VOLCENGINE_RTC],
    }
