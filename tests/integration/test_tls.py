"""TLS through the real hooks, against a sandbox that speaks HTTPS with a certificate from a
private CA: verification is on by default, the ``verify`` extra may name a CA bundle (which must
exist), ``verify: false`` works but logs a warning, and plain HTTP to a non-loopback host is refused.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import logging
import ssl

import pytest

from airflow_provider_rtc.errors import RtcApiError, RtcConfigError
from airflow_provider_rtc.hooks.zego import ZegoHook
from airflow_provider_rtc.operators.tencent import ResumeMcuOperator
from airflow_provider_rtc.operators.volcengine import StartSegmentOperator
from airflow_provider_rtc.operators.zego import StartAutoMixOperator
from airflow_provider_rtc.sandbox import Sandbox
from airflow_provider_rtc.sandbox.credentials import airflow_connections
from airflow_provider_rtc.sensors.zego import ZegoRoomUsersSensor
from airflow_provider_rtc.triggers.rtc import RtcConditionTrigger
from tests.conftest import FAST, set_connection
from tests.integration.sensor_helpers import defer, run_trigger


def _certificates(directory) -> tuple[str, str, str]:
    """A private CA and a certificate for 127.0.0.1 signed by it: (ca.pem, cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rtc-test-ca")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = [directory / name for name in ("ca.pem", "cert.pem", "key.pem")]
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return tuple(str(path) for path in paths)  # type: ignore[return-value]


@pytest.fixture(scope="module")
def tls_sandbox(tmp_path_factory):
    """A second sandbox whose listening socket is wrapped in TLS; yields (sandbox, https url, CA path)."""
    ca, cert, key = _certificates(tmp_path_factory.mktemp("tls"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = Sandbox(lifetime=600)
    # The sandbox has no TLS mode of its own; wrapping the listening socket before it serves is
    # enough (each accepted connection completes its handshake, or fails it, in accept()).
    server._server.socket = context.wrap_socket(server._server.socket, server_side=True)
    with server:
        yield server, f"https://127.0.0.1:{server.port}", ca


@pytest.fixture
def tls(tls_sandbox, monkeypatch):
    """Every vendor's default connection aimed at the HTTPS sandbox; returns a setter for extras."""
    server, url, ca = tls_sandbox
    server.reset()
    documents = airflow_connections(url)

    def use(**extra):
        for conn_id, document in documents.items():
            set_connection(monkeypatch, conn_id, {**document, "extra": {**document["extra"], **extra}})

    use()
    yield server, ca, use
    server.reset()


def start_mix(**kwargs):
    return StartAutoMixOperator(task_id="mix", room_id="r", mix_task_id="m", user_id="u",
                                mix_output=[{"StreamId": "o"}], **{**FAST, **kwargs}).execute(context={})


def test_verification_is_on_by_default_and_a_rejected_certificate_is_not_retried(tls):
    server, _, _ = tls
    assert ZegoHook().verify is True
    with pytest.raises(RtcApiError, match="TLS certificate rejected") as raised:
        start_mix(request_retries=3)
    assert raised.value.attempts == 1  # retrying meets the same certificate
    assert "'verify' extra" in str(raised.value)
    assert server.received() == []  # refused during the handshake: no request reached the server


def test_the_trigger_fails_at_once_on_a_rejected_certificate(tls):
    server, _, _ = tls
    server.route("zego").set_users("r", 1)
    sensor = ZegoRoomUsersSensor(task_id="w", room_id="r", until="empty", poke_interval=0.1, deferrable=True)
    trigger = RtcConditionTrigger(conn_id="zego_default", condition=sensor.build_condition().to_dict(),
                                  poll_interval=0.1)
    event = run_trigger(trigger, timeout=10)  # an error event, not polling until the sensor's timeout
    assert event.payload["status"] == "error" and "TLS certificate rejected" in event.payload["message"]


@pytest.mark.parametrize("vendor", ["zego", "volcengine", "tencent"])
def test_a_ca_bundle_in_the_verify_extra_is_trusted(tls, vendor):
    server, ca, use = tls
    use(verify=ca)
    if vendor == "zego":
        start_mix()
    elif vendor == "volcengine":
        StartSegmentOperator(task_id="s", room_id="r", segment_task_id="t", **FAST).execute(context={})
    else:
        server.route("tencent").create_room("r", mix="paused")
        ResumeMcuOperator(task_id="r", room_id="r", **FAST).execute(context={})
    assert [r.code for r in server.received()] in ([0], ["ok"])


def test_the_trigger_verifies_with_the_same_ca_bundle(tls):
    server, ca, use = tls
    use(verify=ca)
    server.route("zego").set_users("r", 1)
    trigger, _ = defer(ZegoRoomUsersSensor(task_id="w", room_id="r", until="empty", poke_interval=0.1,
                                           deferrable=True))
    server.route("zego").set_users("r", 0)
    event = run_trigger(trigger)
    assert event.payload["status"] == "done" and event.payload["value"]["user_count"] == 0


def logged(caplog, capsys) -> str:
    # Airflow's task logging goes through structlog to the console, or to stdlib logging.
    captured = capsys.readouterr()
    return "\n".join([caplog.text, captured.out, captured.err])


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_verify_false_works_and_logs_a_warning(tls, caplog, capsys):
    server, _, use = tls
    use(verify="false")
    caplog.set_level(logging.WARNING)
    capsys.readouterr()
    start_mix()
    assert [r.code for r in server.received()] == [0]
    lines = [line for line in logged(caplog, capsys).splitlines() if "TLS certificate verification is DISABLED" in line]
    assert len(lines) == 1, lines  # once per hook, not per request
    assert "warning" in lines[0].lower() and "zego_default" in lines[0]


def test_verification_on_logs_no_such_warning(tls, caplog, capsys):
    _, ca, use = tls
    use(verify=ca)
    caplog.set_level(logging.WARNING)
    capsys.readouterr()
    start_mix()
    assert "DISABLED" not in logged(caplog, capsys)


@pytest.mark.parametrize("value", ["/no/such/bundle.pem", "", 5])
def test_a_missing_ca_bundle_is_a_config_error_before_anything_is_sent(tls, value):
    server, _, use = tls
    use(verify=value)
    if value == "":  # an empty extra counts as not set: verification on, the private CA unknown
        with pytest.raises(RtcApiError, match="TLS certificate rejected"):
            start_mix(request_retries=0)
    else:
        with pytest.raises(RtcConfigError, match="verify"):
            start_mix()
    assert server.received() == []


@pytest.mark.parametrize("conn_id", ["zego_default", "volcengine_rtc_default", "tencent_live_default"])
@pytest.mark.parametrize("host", ["http://rtc.example.com", "http://192.168.1.10:8900", "http://0.0.0.0:8900"])
def test_plain_http_is_refused_for_non_loopback_hosts(sandbox, connections, monkeypatch, conn_id, host):
    set_connection(monkeypatch, conn_id, {**connections[conn_id], "host": host})
    from airflow_provider_rtc.hooks.tencent import TencentLiveHook
    from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook

    hook = {"zego_default": ZegoHook, "volcengine_rtc_default": VolcengineRtcHook,
            "tencent_live_default": TencentLiveHook}[conn_id]()
    with pytest.raises(RtcConfigError, match="only allowed for loopback") as caught:
        hook.config  # noqa: B018
    assert conn_id in str(caught.value)
    json.dumps(str(caught.value))
