import re

from airflow_provider_rtc.signing import zego


def test_reproduces_zego_official_worked_example():
    # From ZEGO's signing documentation (shared/VENDOR_APIS.md section 1).
    assert (
        zego.signature(12345, "4fd24687296dd9f3", "9193cc662a4c0ec135ec71fb57194b38", 1615186943)
        == "43e5cfcca828314675f91b001390566a"
    )


def test_signed_params_carry_the_public_parameters():
    params = zego.signed_params(12345, "9193cc662a4c0ec135ec71fb57194b38", nonce="4fd24687296dd9f3",
                                timestamp=1615186943)
    assert params == {
        "AppId": "12345",
        "SignatureNonce": "4fd24687296dd9f3",
        "Timestamp": "1615186943",
        "Signature": "43e5cfcca828314675f91b001390566a",
        "SignatureVersion": "2.0",
    }


def test_every_call_gets_a_fresh_16_hex_nonce_and_signature():
    calls = [zego.signed_params(1, "secret", timestamp=1700000000) for _ in range(500)]
    nonces = {c["SignatureNonce"] for c in calls}
    assert len(nonces) == 500
    assert all(re.fullmatch(r"[0-9a-f]{16}", n) for n in nonces)
    assert len({c["Signature"] for c in calls}) == 500


def test_timestamp_is_an_integer_of_now():
    import time

    before = int(time.time())
    params = zego.signed_params(1, "secret")
    assert before <= int(params["Timestamp"]) <= int(time.time())
    assert params["Timestamp"].isdigit()
