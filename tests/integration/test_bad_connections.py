"""Bad connection contents, for all three connection types: a RtcConfigError naming the field, at
the first use of the connection (not at DAG parse time), with nothing sent.

The per-vendor integration tests check a few of these one by one; this is the whole matrix.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_rtc.errors import RtcConfigError
from airflow_provider_rtc.hooks.tencent import TencentLiveHook
from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook
from airflow_provider_rtc.hooks.zego import ZegoHook
from airflow_provider_rtc.operators.tencent import ResumeMcuOperator
from airflow_provider_rtc.operators.volcengine import StopSegmentOperator
from airflow_provider_rtc.operators.zego import StopMixOperator
from tests import strategies as s
from tests.integration.bad_input import INVALID

VENDORS = {
    "zego": ("zego_default", ZegoHook, lambda: StopMixOperator(task_id="stop", mix_task_id="m")),
    "volcengine": ("volcengine_rtc_default", VolcengineRtcHook,
                   lambda: StopSegmentOperator(task_id="stop", room_id="r", segment_task_id="t")),
    "tencent": ("tencent_live_default", TencentLiveHook, lambda: ResumeMcuOperator(task_id="resume", room_id="r")),
}

# Bad in every connection type: (changes to the connection, what the error must name).
COMMON = [
    ({"password": ""}, "password"),
    ({"password": "   "}, "password"),
    ({"password": None}, "password"),
    ({"host": "http://rtc.example.com"}, "loopback"),  # plain HTTP to a real host: refused
    ({"host": "http://10.0.0.5:8080"}, "loopback"),
    ({"host": "http://localhost.example.com"}, "loopback"),
    ({"host": "ftp://127.0.0.1"}, "host"),
    ({"host": "rtc api.example.com"}, "host"),
    ({"host": "https://user:pw@rtc.example.com"}, "host"),
    ({"host": "https://rtc.example.com:99999"}, "host"),
    ({"extra": {"timeout": "soon"}}, "timeout"),
    ({"extra": {"timeout": -1}}, "timeout"),
    ({"extra": {"timeout": 0}}, "timeout"),
    ({"extra": {"timeout": "nan"}}, "timeout"),
    ({"extra": {"timeout": "inf"}}, "timeout"),
    ({"extra": {"timeout": True}}, "timeout"),
    ({"extra": {"timeout": [30]}}, "timeout"),
    ({"extra": {"timeout": 10**400}}, "timeout"),
    ({"extra": {"verify": "/no/such/ca-bundle.pem"}}, "verify"),
    ({"extra": {"verify": 5}}, "verify"),
    ({"extra": {"verify": ["/etc/ssl/certs"]}}, "verify"),
    ({"extra": {"verify": {"path": "x"}}}, "verify"),
]
PER_VENDOR = {
    "zego": [
        ({"login": "not-a-number"}, "login"), ({"login": "-5"}, "login"), ({"login": "0"}, "login"),
        ({"login": str(2**32)}, "login"), ({"login": "1e3"}, "login"), ({"login": ""}, "login"),
        ({"login": "²"}, "login"), ({"login": "１２３"}, "login"), ({"login": "12 34"}, "login"),
        ({"host": None, "extra": {"region": "mars"}}, "region"), ({"extra": {"region": 5}}, "region"),
        ({"extra": {"region": "SGP "}}, "region"),
        ({"extra": {"asr_host": "http://cloud-realtime-asr-api.zegotech.cn"}}, "asr_host"),
        ({"extra": {"is_test": "maybe"}}, "is_test"),
    ],
    "volcengine": [
        ({"login": ""}, "login"), ({"login": "   "}, "login"),
        ({"extra": {"region": "cn north 1"}}, "region"), ({"extra": {"region": "../cn-north-1"}}, "region"),
        ({"extra": {"service": "r/t/c"}}, "service"), ({"extra": {"app_id": "bad app"}}, "app_id"),
        ({"extra": {"app_id": ["sandbox-volc-app"]}}, "app_id"),
    ],
    "tencent": [
        ({"login": "not-a-number"}, "login"), ({"login": "-1400000001"}, "login"), ({"login": "0"}, "login"),
        ({"login": str(2**32)}, "login"), ({"login": ""}, "login"), ({"login": "²"}, "login"),
        ({"host": None, "extra": {"region": "mars"}}, "region"),
        ({"extra": {"identifier": "   "}}, "identifier"),
        ({"extra": {"usersig_ttl": "0"}}, "usersig_ttl"), ({"extra": {"usersig_ttl": "-86400"}}, "usersig_ttl"),
        ({"extra": {"usersig_ttl": "1.5"}}, "usersig_ttl"), ({"extra": {"usersig_ttl": "a day"}}, "usersig_ttl"),
        ({"extra": {"usersig_ttl": 1e30}}, "usersig_ttl"),
    ],
}
CASES = [
    pytest.param(vendor, changes, field, id=f"{vendor}-{field}-{json.dumps(changes, default=str)[:50]}")
    for vendor in VENDORS for changes, field in COMMON + PER_VENDOR[vendor]
]


def bad_connection(monkeypatch, connections, vendor: str, changes: dict) -> str:
    conn_id = VENDORS[vendor][0]
    document = json.loads(json.dumps(connections[conn_id]))
    extra = changes.get("extra", {})
    document.update({k: v for k, v in changes.items() if k != "extra"})
    document["extra"] = {**document["extra"], **extra}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(document))
    return conn_id


@pytest.mark.parametrize(("vendor", "changes", "field"), CASES)
def test_bad_connection_fails_at_first_use_naming_the_field(sandbox, connections, monkeypatch, vendor, changes,
                                                             field):
    conn_id = bad_connection(monkeypatch, connections, vendor, changes)
    operator = VENDORS[vendor][2]()  # parsing a DAG never reads the connection
    with pytest.raises(RtcConfigError) as caught:
        operator.execute(context={})
    message = str(caught.value)
    assert field in message and conn_id in message, message
    assert sandbox.received() == []
    # The UI's Test button says the same, without sending anything either.
    ok, text = VENDORS[vendor][1]().test_connection()
    assert not ok and text.startswith("Connection settings invalid") and field in text
    assert sandbox.received() == []


def test_secrets_never_appear_in_config_errors(sandbox, connections, monkeypatch):
    secret = connections["zego_default"]["password"]
    bad_connection(monkeypatch, connections, "zego", {"login": "x", "extra": {"timeout": "soon"}})
    with pytest.raises(RtcConfigError) as caught:
        StopMixOperator(task_id="stop", mix_task_id="m").execute(context={})
    assert secret not in str(caught.value)


# What an AppId / SDKAppID login may be: up to 10 ASCII digits (surrounding whitespace ignored).
VALID_LOGIN = re.compile(r"[0-9]{1,10}")


@pytest.mark.parametrize("vendor", ["zego", "tencent"])
@INVALID
# No lone surrogates here: Airflow itself cannot load such a connection (it reports it undefined).
@given(login=st.one_of(st.text(max_size=12), st.integers().map(str), st.integers(2**32, 2**70).map(str),
                       s.decimal_text(st.integers(-5, 2**33))))
def test_any_login_but_a_uint32_is_refused(connections, monkeypatch, vendor, login):
    valid = bool(VALID_LOGIN.fullmatch(login.strip())) and 0 < int(login.strip()) < 2**32
    bad_connection(monkeypatch, connections, vendor, {"login": login})
    hook = VENDORS[vendor][1]()
    if valid:
        assert hook.config  # accepted (a wrong id is the vendor's to refuse)
        return
    with pytest.raises(RtcConfigError, match="login"):
        hook.config  # noqa: B018
