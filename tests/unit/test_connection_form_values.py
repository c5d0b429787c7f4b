"""What the connection form saves is what the hooks expect: the port field, null and "" extras, the defaults."""

from __future__ import annotations

import pytest

from airflow_provider_rtc.errors import RtcConfigError
from airflow_provider_rtc.get_provider_info import get_provider_info
from airflow_provider_rtc.hooks.tencent import TencentLiveHook
from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook
from airflow_provider_rtc.hooks.zego import ZegoHook
from airflow_provider_rtc.urls import normalize_base_url
from tests.conftest import set_connection

FORMS = {c["connection-type"]: c for c in get_provider_info()["connection-types"]}


@pytest.mark.parametrize(("host", "port", "expected"), [
    ("rtc-api.zego.im", None, "https://rtc-api.zego.im"),
    ("rtc-api.zego.im", 0, "https://rtc-api.zego.im"),  # what the UI sends for an empty port
    ("rtc-api.zego.im", 443, "https://rtc-api.zego.im"),  # the default port is left out (Host is signed)
    ("rtc-api.zego.im", "443", "https://rtc-api.zego.im"),
    ("rtc-api.zego.im", 8443, "https://rtc-api.zego.im:8443"),
    ("http://127.0.0.1:8900", 8900, "http://127.0.0.1:8900"),  # the port repeated from the URL
    ("http://127.0.0.1", 80, "http://127.0.0.1"),
    ("https://gateway.example.com/zego", 9443, "https://gateway.example.com:9443/zego"),
])
def test_the_port_field_is_merged_into_the_host_url(host, port, expected):
    assert normalize_base_url(host, field="host", port=port) == expected


@pytest.mark.parametrize(("host", "port", "message"), [
    ("http://127.0.0.1:8900", 8901, "port 8901 contradicts the port 8900 in the host URL"),
    ("rtc-api.zego.im", 70000, "port 70000 is not between 1 and 65535"),
    ("rtc-api.zego.im", "https", "port 'https' is not a number"),
])
def test_a_port_that_cannot_be_right_is_refused_naming_the_field(host, port, message):
    with pytest.raises(RtcConfigError, match=message) as raised:
        normalize_base_url(host, field="connection 'c': host", port=port)
    assert str(raised.value).startswith("connection 'c': host")


def form_defaults(conn_type: str) -> dict:
    """The extra JSON the connection form saves when nothing is changed: every field's default (secrets: null)."""
    return {name: field["schema"].get("default") for name, field in FORMS[conn_type]["conn-fields"].items()}


def all_null(conn_type: str) -> dict:
    """The extra JSON the forms of earlier releases saved: every field null."""
    return dict.fromkeys(FORMS[conn_type]["conn-fields"])


@pytest.mark.parametrize("extra_of", [form_defaults, all_null], ids=["form defaults", "all null"])
def test_zego_reads_a_form_saved_connection_like_an_empty_extra(monkeypatch, extra_of):
    base = {"conn_type": "zego", "login": "1234567890", "password": "s" * 32, "port": 443}
    set_connection(monkeypatch, "z_form", {**base, "extra": extra_of("zego")})
    set_connection(monkeypatch, "z_bare", base)
    form, bare = ZegoHook("z_form").config, ZegoHook("z_bare").config
    assert (form.rtc_url, form.asr_url, form.is_test) == (bare.rtc_url, bare.asr_url, bare.is_test)
    assert form.rtc_url == "https://rtc-api.zego.im"
    assert ZegoHook("z_form").settings == ZegoHook("z_bare").settings
    assert ZegoHook("z_form").verify is True


@pytest.mark.parametrize("extra_of", [form_defaults, all_null], ids=["form defaults", "all null"])
def test_volcengine_reads_a_form_saved_connection_like_an_empty_extra(monkeypatch, extra_of):
    for host, region in (("", "cn-north-1"), ("open.byteplusapi.com", "ap-singapore-1")):
        base = {"conn_type": "volcengine_rtc", "login": "AKLTx", "password": "secret", "host": host, "port": 443}
        set_connection(monkeypatch, "v_form", {**base, "extra": extra_of("volcengine_rtc")})
        config = VolcengineRtcHook("v_form").config
        # An empty region in the form still means "from the host" (BytePlus: ap-singapore-1).
        assert (config.region, config.service) == (region, "rtc")
        assert ":443" not in config.base_url


@pytest.mark.parametrize("extra_of", [form_defaults, all_null], ids=["form defaults", "all null"])
def test_tencent_reads_a_form_saved_connection_like_an_empty_extra(monkeypatch, extra_of):
    base = {"conn_type": "tencent_live", "login": "1400000000", "password": "k" * 40}
    set_connection(monkeypatch, "t_form", {**base, "extra": extra_of("tencent_live")})
    config = TencentLiveHook("t_form").config
    assert config.base_url == "https://console.tim.qq.com"
    assert config.identifier == "administrator"


def test_the_port_applies_to_the_default_host_too(monkeypatch):
    set_connection(monkeypatch, "z_port", {"conn_type": "zego", "login": "1", "password": "s" * 32, "port": 8443,
                                           "extra": {"region": "sgp"}})
    assert ZegoHook("z_port").config.rtc_url == "https://rtc-api-sgp.zego.im:8443"


VENDOR_HOOKS = {  # conn_type -> (hook class, a valid login, password, the config field of the base URL)
    "zego": (ZegoHook, "1", "s" * 32, "rtc_url"),
    "volcengine_rtc": (VolcengineRtcHook, "AKLTx", "secret", "base_url"),
    "tencent_live": (TencentLiveHook, "1400000000", "k" * 40, "base_url"),
}


@pytest.mark.parametrize("conn_type", sorted(VENDOR_HOOKS))
def test_every_vendor_hook_merges_the_port_by_the_same_rule(monkeypatch, conn_type):
    hook_class, login, password, field = VENDOR_HOOKS[conn_type]

    def base_url(host: str, port) -> str:
        set_connection(monkeypatch, "p", {"conn_type": conn_type, "login": login, "password": password,
                                          "host": host, "port": port})
        return getattr(hook_class("p").config, field)

    assert base_url("http://127.0.0.1:8900", 8900) == "http://127.0.0.1:8900"
    assert base_url("gw.example.com", 443) == "https://gw.example.com"
    assert base_url("gw.example.com", 8443) == "https://gw.example.com:8443"
    with pytest.raises(RtcConfigError, match=r"connection 'p': host: port 8901 contradicts the port 8900"):
        base_url("http://127.0.0.1:8900", 8901)


def test_a_stored_mask_is_never_sent_as_the_session_token(monkeypatch):
    # Airflow's form can save "***" for a secret field (get_provider_info); the hook names the extra instead.
    set_connection(monkeypatch, "v_mask", {"conn_type": "volcengine_rtc", "login": "AKLTx", "password": "secret",
                                           "extra": {"session_token": "***"}})
    with pytest.raises(RtcConfigError, match=r"connection 'v_mask': extra 'session_token' holds Airflow's mask"):
        VolcengineRtcHook("v_mask").config  # noqa: B018 - reading it raises
    set_connection(monkeypatch, "v_empty", {"conn_type": "volcengine_rtc", "login": "AKLTx", "password": "secret",
                                            "extra": {"session_token": None}})
    assert VolcengineRtcHook("v_empty").config.session_token is None
