import pytest

from airflow_provider_rtc.errors import RtcConfigError
from airflow_provider_rtc.urls import normalize_base_url


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("rtc-api.zego.im", "https://rtc-api.zego.im"),
        ("https://rtc-api.zego.im/", "https://rtc-api.zego.im"),
        ("rtc-api.zego.im:8443", "https://rtc-api.zego.im:8443"),
        ("http://127.0.0.1:8900", "http://127.0.0.1:8900"),
        ("http://localhost:8900/", "http://localhost:8900"),
        ("http://[::1]:8900", "http://[::1]:8900"),
        ("https://gateway.example.com/zego", "https://gateway.example.com/zego"),
    ],
)
def test_accepted_hosts(value, expected):
    assert normalize_base_url(value, field="host") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("http://rtc-api.zego.im", "only allowed for loopback"),
        ("http://10.0.0.5:8080", "only allowed for loopback"),
        ("ftp://rtc-api.zego.im", "not supported"),
        ("", "empty"),
        ("https://", "no host"),
        ("https://a.example.com/?x=1", "no query"),
        ("https://user:pw@a.example.com", "no query, fragment or user info"),
        ("https://a.example.com:notaport", "invalid port"),
    ],
)
def test_refused_hosts_name_the_field(value, message):
    with pytest.raises(RtcConfigError, match=message) as info:
        normalize_base_url(value, field="extra asr_host")
    assert str(info.value).startswith("extra asr_host")
