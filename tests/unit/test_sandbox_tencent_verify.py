"""The sandbox's own Tencent UserSig verifier, checked against the official ``tls-sig-api-v2``
package (the oracle: it generates, this module verifies) and against hand-built documents."""

from __future__ import annotations

import ast
import base64
import hashlib
import hmac
import inspect
import json
import types
import zlib

import pytest
import TLSSigAPIv2

from airflow_provider_rtc.sandbox import tencent_verify
from airflow_provider_rtc.sandbox.tencent_verify import UserSigRefused, check_usersig

SDKAPPID = 1400000001
KEY = "sandbox0tencent0sdk0secret0key000000000000000000"
ADMIN = "administrator"
T0 = 1_700_000_000
LIFETIME = 86400


def official(now: int = T0, *, sdkappid: int = SDKAPPID, key: str = KEY, identifier: str = ADMIN,
             expire: int = LIFETIME) -> str:
    api = TLSSigAPIv2.TLSSigAPIv2(sdkappid, key)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(TLSSigAPIv2, "time", types.SimpleNamespace(time=lambda: now))
        return api.gen_sig(identifier, expire)


def pack(document: dict) -> str:
    raw = base64.b64encode(zlib.compress(json.dumps(document).encode())).decode()
    return raw.replace("+", "*").replace("/", "-").replace("=", "_")


def unpack(usersig: str) -> dict:
    return json.loads(zlib.decompress(base64.b64decode(usersig.replace("*", "+").replace("-", "/").replace("_", "="))))


def check(usersig: str, now: int = T0 + 10, **overrides):
    return check_usersig(usersig, **{"sdkappid": SDKAPPID, "key": KEY, "identifier": ADMIN, "now": now, **overrides})


def refused(usersig: str, **overrides) -> int:
    with pytest.raises(UserSigRefused) as caught:
        check(usersig, **overrides)
    return caught.value.code


def test_the_official_packages_usersig_is_accepted():
    checked = check(official())
    assert (checked.identifier, checked.sdkappid, checked.issued, checked.lifetime) == (ADMIN, SDKAPPID, T0, LIFETIME)


def test_expiry_is_now_after_time_plus_expire():
    usersig = official()
    assert check(usersig, now=T0 + LIFETIME)
    assert refused(usersig, now=T0 + LIFETIME + 1) == 70001


@pytest.mark.parametrize(("overrides", "code"), [
    ({"key": KEY + "x"}, 70009), ({"sdkappid": SDKAPPID + 1}, 70014), ({"identifier": "someone"}, 70013),
])
def test_a_mismatch_gets_the_gateways_code(overrides, code):
    assert refused(official(), **overrides) == code


@pytest.mark.parametrize(("field", "value"), [
    ("TLS.identifier", "administrator2"), ("TLS.sdkappid", SDKAPPID + 1), ("TLS.time", T0 + 1),
    ("TLS.expire", LIFETIME * 2),
])
def test_every_signed_field_is_covered_by_the_hmac(field, value):
    """Change one field the HMAC covers, keep the signature: refused. (For the identifier and
    SDKAppID the request is changed to match, so the HMAC is what refuses it.)"""
    document = unpack(official())
    document[field] = value
    overrides = {"identifier": value} if field == "TLS.identifier" else {}
    overrides |= {"sdkappid": value} if field == "TLS.sdkappid" else {}
    assert refused(pack(document), **overrides) == 70009


def test_a_document_signed_with_the_documented_text_is_accepted():
    """Built by hand from VENDOR_APIS.md §3, steps 1 to 4."""
    text = f"TLS.identifier:{ADMIN}\nTLS.sdkappid:{SDKAPPID}\nTLS.time:{T0}\nTLS.expire:{LIFETIME}\n"
    sig = base64.b64encode(hmac.new(KEY.encode(), text.encode(), hashlib.sha256).digest()).decode()
    document = {"TLS.ver": "2.0", "TLS.identifier": ADMIN, "TLS.sdkappid": SDKAPPID, "TLS.expire": LIFETIME,
                "TLS.time": T0, "TLS.sig": sig}
    assert check(pack(document)).issued == T0
    assert refused(pack({**document, "TLS.sig": sig[:-4] + "AAA="})) == 70009


@pytest.mark.parametrize("usersig", [
    "", "not base64!", "QUJD", pack([1, 2]), pack({"TLS.ver": "1.0"}),
    pack({**unpack(official()), "TLS.time": "1700000000"}), pack({**unpack(official()), "TLS.expire": True}),
    pack({k: v for k, v in unpack(official()).items() if k != "TLS.sig"}),
    base64.b64encode(zlib.compress(b"{" * 100_000)).decode().replace("+", "*").replace("/", "-").replace("=", "_"),
])
def test_what_does_not_decode_is_70003(usersig):
    assert refused(usersig) == 70003


def test_it_shares_no_code_with_the_clients_signer():
    tree = ast.parse(inspect.getsource(tencent_verify))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not [name for name in imported if name.startswith("airflow_provider_rtc")], imported
