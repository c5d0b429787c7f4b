"""Tests for the Tencent UserSig (TLSSigAPIv2) signer.

The official ``tls-sig-api-v2`` package is the oracle. We always compare
*decoded* documents, never the compressed strings: zlib levels and JSON spacing
may legitimately differ, and Tencent's server checks only the document.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import string
import time
import types
import zlib

import pytest
import TLSSigAPIv2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_rtc.signing.tencent import (
    UserSigDocument,
    UserSigError,
    decode_usersig,
    expected_sig,
    gen_usersig,
    verify_usersig,
)

SDKAPPID = 1400000000
KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
IDENTIFIER = "administrator"
T0 = 1_700_000_000
EXPIRE = 180 * 86400

PROPERTY = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# --- helpers -----------------------------------------------------------------


def official_usersig(sdkappid, key, identifier, expire, now, userbuf=None):
    """Run the official generator with its clock pinned to ``now``.

    The package reads ``time.time()`` through its own module-level ``time``
    name, so we swap that name only (not the global clock) for the call.
    ``now`` may be a float: the package truncates with int().
    """
    api = TLSSigAPIv2.TLSSigAPIv2(sdkappid, key)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(TLSSigAPIv2, "time", types.SimpleNamespace(time=lambda: now))
        if userbuf is None:
            return api.gen_sig(identifier, expire)
        return api.gen_sig_with_userbuf(identifier, expire, userbuf)


def official_hmac(sdkappid, key, identifier, t, expire) -> str:
    api = TLSSigAPIv2.TLSSigAPIv2(sdkappid, key)
    return api._TLSSigAPIv2__hmacsha256(identifier, t, expire).decode("ascii")


def raw_decode(usersig: str) -> dict:
    """Decode using only base64/zlib/json, independently of our decoder."""
    b64 = usersig.replace("*", "+").replace("-", "/").replace("_", "=")
    return json.loads(zlib.decompress(base64.b64decode(b64)))


def raw_encode(payload: bytes, *, compress: bool = True) -> str:
    data = zlib.compress(payload) if compress else payload
    return base64.b64encode(data).decode().replace("+", "*").replace("/", "-").replace("=", "_")


def encode_doc(doc) -> str:
    return raw_encode(json.dumps(doc).encode())


def as_document(raw: dict) -> UserSigDocument:
    return UserSigDocument(
        version=raw["TLS.ver"],
        identifier=raw["TLS.identifier"],
        sdkappid=raw["TLS.sdkappid"],
        time=raw["TLS.time"],
        expire=raw["TLS.expire"],
        sig=raw["TLS.sig"],
    )


def good_doc(**overrides) -> dict:
    doc = {
        "TLS.ver": "2.0",
        "TLS.identifier": IDENTIFIER,
        "TLS.sdkappid": SDKAPPID,
        "TLS.expire": EXPIRE,
        "TLS.time": T0,
        "TLS.sig": expected_sig(
            sdkappid=SDKAPPID, key=KEY, identifier=IDENTIFIER, time=T0, expire=EXPIRE
        ),
    }
    doc.update(overrides)
    return doc


# --- strategies --------------------------------------------------------------

# Identifiers: printable ASCII punctuation, CJK, emoji, combining marks... The
# default text alphabet excludes surrogates, which can't be UTF-8 encoded anyway.
identifiers = st.one_of(
    st.text(
        alphabet=string.ascii_letters + string.digits + string.punctuation + " ",
        min_size=1,
        max_size=40,
    ),
    st.text(min_size=1, max_size=40),
    st.sampled_from(["admin", "管理员", "üser@例え.jp", "a\nb:c", 'quote"back\\slash', "😀"]),
)
sdkappids = st.one_of(
    st.integers(min_value=0, max_value=2**32 - 1),
    st.sampled_from([0, 1, 1400000000, 2**31 - 1, 2**31, 2**32 - 1]),
)
keys = st.one_of(
    st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    st.text(alphabet=string.printable, min_size=1, max_size=80),
    st.text(min_size=1, max_size=40),
)
times = st.integers(min_value=0, max_value=2**33)
expiries = st.integers(min_value=1, max_value=10 * 365 * 86400)


# --- agreement with the official package --------------------------------------


@PROPERTY
@given(sdkappid=sdkappids, key=keys, identifier=identifiers, t=times, expire=expiries)
def test_gen_usersig_matches_official_document(sdkappid, key, identifier, t, expire):
    ours = gen_usersig(sdkappid=sdkappid, key=key, identifier=identifier, expire=expire, now=t)
    # Fractional clock on the oracle side: it must truncate to the same second.
    theirs = official_usersig(sdkappid, key, identifier, expire, t + 0.75)

    ours_raw = raw_decode(ours)
    theirs_raw = raw_decode(theirs)
    assert ours_raw == theirs_raw
    assert decode_usersig(ours) == as_document(theirs_raw)
    assert decode_usersig(theirs) == decode_usersig(ours)

    assert ours_raw["TLS.sig"] == official_hmac(sdkappid, key, identifier, t, expire)
    assert ours_raw["TLS.sig"] == expected_sig(
        sdkappid=sdkappid, key=key, identifier=identifier, time=t, expire=expire
    )
    # Only characters that survive a query string unescaped.
    assert set(ours) <= set(string.ascii_letters + string.digits + "*-_")

    assert verify_usersig(ours, sdkappid=sdkappid, key=key, identifier=identifier, now=t) == (
        decode_usersig(ours)
    )


@PROPERTY
@given(sdkappid=sdkappids, key=keys, identifier=identifiers, t=times, expire=expiries)
def test_official_usersig_decodes_and_verifies(sdkappid, key, identifier, t, expire):
    theirs = official_usersig(sdkappid, key, identifier, expire, t)
    doc = decode_usersig(theirs)
    assert doc == UserSigDocument(
        version="2.0",
        identifier=identifier,
        sdkappid=sdkappid,
        time=t,
        expire=expire,
        sig=official_hmac(sdkappid, key, identifier, t, expire),
    )
    # Valid through the last second (now == time + expire), expired one after.
    for now in (t, t + expire):
        assert verify_usersig(theirs, sdkappid=sdkappid, key=key, identifier=identifier, now=now) == doc
    with pytest.raises(UserSigError) as exc:
        verify_usersig(theirs, sdkappid=sdkappid, key=key, now=t + expire + 1)
    assert exc.value.code == 70001


def test_sig_recipe_from_vendor_doc():
    """expected_sig follows the documented recipe, recomputed here by hand."""
    content = (
        f"TLS.identifier:{IDENTIFIER}\nTLS.sdkappid:{SDKAPPID}\n"
        f"TLS.time:{T0}\nTLS.expire:{EXPIRE}\n"
    )
    mac = hmac.new(KEY.encode("utf-8"), content.encode("utf-8"), hashlib.sha256).digest()
    assert expected_sig(
        sdkappid=SDKAPPID, key=KEY, identifier=IDENTIFIER, time=T0, expire=EXPIRE
    ) == base64.b64encode(mac).decode()


def test_known_answer():
    # Computed once with the official package (clock pinned to 1700000000) and
    # cross-checked with `openssl dgst -sha256 -hmac KEY -binary | base64`.
    # The key is the sample key from the official package's own main().
    kwargs = dict(sdkappid=1400000000, key=KEY, identifier="xiaojun", expire=15552000)
    assert (
        expected_sig(time=1700000000, **kwargs)
        == "LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4="
    )
    doc = decode_usersig(gen_usersig(now=1700000000, **kwargs))
    assert doc == UserSigDocument(
        version="2.0",
        identifier="xiaojun",
        sdkappid=1400000000,
        time=1700000000,
        expire=15552000,
        sig="LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4=",
    )


def test_gen_usersig_defaults_to_current_time():
    before = int(time.time())
    usersig = gen_usersig(sdkappid=SDKAPPID, key=KEY, identifier=IDENTIFIER, expire=60)
    after = int(time.time())
    doc = decode_usersig(usersig)
    assert before <= doc.time <= after
    # verify's default `now` is the real clock too; a fresh signature passes.
    assert verify_usersig(usersig, sdkappid=SDKAPPID, key=KEY, identifier=IDENTIFIER) == doc


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(sdkappid=-1),
        dict(sdkappid=2**32),
        dict(sdkappid=True),
        dict(sdkappid="1400000000"),
        dict(key=""),
        dict(identifier=""),
        dict(expire=0),
        dict(expire=-5),
        dict(now=-1),
        dict(now=1.5),
    ],
)
def test_gen_usersig_rejects_bad_input(kwargs):
    args = dict(sdkappid=SDKAPPID, key=KEY, identifier=IDENTIFIER, expire=EXPIRE, now=T0)
    args.update(kwargs)
    with pytest.raises(ValueError):
        gen_usersig(**args)


# --- verification failures ---------------------------------------------------


@pytest.fixture(scope="module")
def official_sig() -> str:
    return official_usersig(SDKAPPID, KEY, IDENTIFIER, EXPIRE, T0)


def verify_code(usersig, **overrides) -> int:
    kwargs = dict(sdkappid=SDKAPPID, key=KEY, identifier=IDENTIFIER, now=T0 + 10)
    kwargs.update(overrides)
    with pytest.raises(UserSigError) as exc:
        verify_usersig(usersig, **kwargs)
    assert isinstance(exc.value, ValueError)
    # Both the key and the usersig are secrets; errors must not echo them.
    assert KEY not in str(exc.value)
    if isinstance(usersig, str) and len(usersig) > 8:
        assert usersig not in str(exc.value)
    return exc.value.code


def test_verify_accepts_good_signature(official_sig):
    doc = verify_usersig(official_sig, sdkappid=SDKAPPID, key=KEY, identifier=IDENTIFIER, now=T0 + 10)
    assert doc.identifier == IDENTIFIER
    assert doc.expires_at == T0 + EXPIRE
    # identifier=None skips the identifier check (any user of the app).
    assert verify_usersig(official_sig, sdkappid=SDKAPPID, key=KEY, now=T0) == doc


def test_wrong_key_is_70009(official_sig):
    assert verify_code(official_sig, key=KEY[:-1] + "0") == 70009
    assert verify_code(official_sig, key=KEY.upper()) == 70009


def test_other_sdkappid_is_70014(official_sig):
    assert verify_code(official_sig, sdkappid=SDKAPPID + 1) == 70014


def test_other_identifier_is_70013(official_sig):
    assert verify_code(official_sig, identifier="someone-else") == 70013
    assert verify_code(official_sig, identifier=IDENTIFIER.upper()) == 70013


def test_expired_is_70001(official_sig):
    assert verify_code(official_sig, now=T0 + EXPIRE + 1) == 70001


def test_check_order(official_sig):
    # sdkappid before identifier before HMAC before expiry: a forged or
    # misdirected signature must never be reported as merely "expired".
    assert verify_code(official_sig, sdkappid=1, identifier="x", key="k", now=T0 + EXPIRE + 1) == 70014
    assert verify_code(official_sig, identifier="x", key="k", now=T0 + EXPIRE + 1) == 70013
    assert verify_code(official_sig, key="k", now=T0 + EXPIRE + 1) == 70009


@pytest.mark.parametrize(
    "field,value",
    [
        ("TLS.time", T0 + 1),  # extending validity must break the HMAC
        ("TLS.expire", EXPIRE * 2),
        ("TLS.sig", "A" * 44),
        ("TLS.sig", "ünïcode-sig"),  # compare_digest must not TypeError on non-ASCII
        ("TLS.sig", ""),
    ],
)
def test_tampered_document_is_70009(field, value):
    assert verify_code(encode_doc(good_doc(**{field: value}))) == 70009


def _bomb() -> str:
    return raw_encode(b" " * (10 * 1024 * 1024))


@pytest.mark.parametrize(
    "usersig",
    [
        pytest.param("", id="empty"),
        pytest.param("!!!!", id="bad-alphabet"),
        # Standard base64 characters are not part of the UserSig alphabet.
        pytest.param(raw_encode(b"{}").replace("-", "/").replace("*", "+") + "+/==", id="std-base64-alphabet"),
        pytest.param("abc", id="bad-base64-length"),
        pytest.param(raw_encode(b"definitely not zlib", compress=False), id="not-zlib"),
        pytest.param(raw_encode(b"not json at all"), id="not-json"),
        pytest.param(raw_encode(b"\xff\xfe{}"), id="not-utf8"),
        pytest.param(raw_encode(b"[1, 2, 3]"), id="json-array"),
        # Under the size cap, but json.loads raises RecursionError (not ValueError).
        pytest.param(raw_encode(b"[" * 30_000 + b"]" * 30_000), id="deeply-nested"),
        pytest.param(raw_encode(json.dumps(good_doc()).encode())[:-8], id="truncated"),
        pytest.param(raw_encode(zlib.compress(json.dumps(good_doc()).encode()) + b"junk", compress=False), id="trailing-data"),
        pytest.param(_bomb(), id="zip-bomb"),
        pytest.param(encode_doc(good_doc(**{"TLS.ver": "1.0"})), id="wrong-version"),
        pytest.param(encode_doc(good_doc(**{"TLS.sdkappid": str(SDKAPPID)})), id="sdkappid-str"),
        pytest.param(encode_doc(good_doc(**{"TLS.time": float(T0)})), id="time-float"),
        pytest.param(encode_doc(good_doc(**{"TLS.expire": True})), id="expire-bool"),
        pytest.param(encode_doc(good_doc(**{"TLS.identifier": 42})), id="identifier-int"),
        pytest.param(encode_doc(good_doc(**{"TLS.sig": None})), id="sig-null"),
        *[
            pytest.param(encode_doc({k: v for k, v in good_doc().items() if k != field}), id=f"missing-{field}")
            for field in good_doc()
        ],
    ],
)
def test_malformed_is_70003(usersig):
    with pytest.raises(UserSigError) as exc:
        decode_usersig(usersig)
    assert exc.value.code == 70003
    assert verify_code(usersig) == 70003


def test_truncated_official_signature_is_70003(official_sig):
    for cut in (1, 4, 10, len(official_sig) // 2):
        assert verify_code(official_sig[:-cut]) == 70003


def test_userbuf_signature_is_rejected_as_unsupported():
    with_userbuf = official_usersig(SDKAPPID, KEY, IDENTIFIER, EXPIRE, T0, userbuf=b"abc")
    with pytest.raises(UserSigError, match="userbuf"):
        decode_usersig(with_userbuf)


def test_non_string_input_is_70003():
    for value in (None, b"eJyr", 123):
        with pytest.raises(UserSigError) as exc:
            decode_usersig(value)  # type: ignore[arg-type]
        assert exc.value.code == 70003


# --- robustness on arbitrary input -------------------------------------------


def _only_value_errors(usersig) -> None:
    for call in (
        lambda: decode_usersig(usersig),
        lambda: verify_usersig(usersig, sdkappid=SDKAPPID, key=KEY, identifier=IDENTIFIER, now=T0),
    ):
        try:
            call()
        except UserSigError as exc:
            assert exc.code in {70001, 70003, 70009, 70013, 70014}
        # Any other exception type propagates and fails the test.


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
tls_keys = st.sampled_from(["TLS.ver", "TLS.identifier", "TLS.sdkappid", "TLS.expire", "TLS.time", "TLS.sig", "TLS.userbuf"])


@PROPERTY
@given(
    st.one_of(
        st.text(max_size=300),
        st.text(alphabet=string.ascii_letters + string.digits + "*-_", max_size=300),
        st.binary(max_size=300).map(lambda b: raw_encode(b, compress=False)),
        st.binary(max_size=300).map(raw_encode),
        json_values.map(lambda v: raw_encode(json.dumps(v).encode())),
        st.dictionaries(tls_keys, json_values, max_size=7).map(
            lambda d: encode_doc({**good_doc(), **d})
        ),
    )
)
def test_arbitrary_input_only_raises_usersig_error(usersig):
    _only_value_errors(usersig)
