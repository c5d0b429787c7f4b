"""The sandbox checks Tencent UserSigs with its own verifier (sandbox/tencent_verify.py), so a
client whose HMAC covers the wrong text is refused over HTTP, as Tencent would refuse it.

Before issue 17 the sandbox verified with the client's own ``verify_usersig`` / ``expected_sig``:
corrupting what the HMAC covers changed both sides alike and every integration test still passed.
Here the client's signer is corrupted in several ways (monkeypatching the text it HMACs) and each
must end in the gateway's 70009, never retried.
"""

from __future__ import annotations

import pytest

from airflow_provider_rtc.errors import RtcAuthError
from airflow_provider_rtc.operators.tencent import ResumeMcuOperator
from airflow_provider_rtc.signing import tencent as signing
from tests.integration.bad_input import execute


def _documented(identifier, sdkappid, time, expire):
    return f"TLS.identifier:{identifier}\nTLS.sdkappid:{sdkappid}\nTLS.time:{time}\nTLS.expire:{expire}\n"


CORRUPTIONS = {
    "expire-left-out": lambda i, s, t, e: f"TLS.identifier:{i}\nTLS.sdkappid:{s}\nTLS.time:{t}\n",
    "time-and-expire-swapped": lambda i, s, t, e: f"TLS.identifier:{i}\nTLS.sdkappid:{s}\nTLS.expire:{e}\nTLS.time:{t}\n",
    "no-final-newline": lambda i, s, t, e: _documented(i, s, t, e)[:-1],
    "identifier-left-out": lambda i, s, t, e: f"TLS.sdkappid:{s}\nTLS.time:{t}\nTLS.expire:{e}\n",
    "crlf-lines": lambda i, s, t, e: _documented(i, s, t, e).replace("\n", "\r\n"),
}


def _resume(**kwargs):
    return execute(ResumeMcuOperator(task_id="resume", room_id="show-1", request_retries=2, retry_backoff=0.01,
                                     **kwargs))


def test_the_documented_coverage_is_accepted(sandbox, connections, monkeypatch):
    """The control: the same patching mechanism with the documented text changes nothing."""
    sandbox.route("tencent").create_room("show-1", mix="paused")
    monkeypatch.setattr(signing, "_content", lambda *, identifier, sdkappid, time, expire:
                        _documented(identifier, sdkappid, time, expire))
    _resume()
    assert sandbox.route("tencent").snapshot()["rooms"]["show-1"]["mix"] == "running"


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_a_client_hmac_over_the_wrong_text_is_refused(sandbox, connections, monkeypatch, corruption):
    sandbox.route("tencent").create_room("show-1", mix="paused")
    corrupt = CORRUPTIONS[corruption]
    monkeypatch.setattr(signing, "_content", lambda *, identifier, sdkappid, time, expire:
                        corrupt(identifier, sdkappid, time, expire))
    with pytest.raises(RtcAuthError) as caught:
        _resume()
    assert caught.value.code == 70009
    assert [r.code for r in sandbox.received()] == [70009]  # an auth failure is never retried
    assert sandbox.route("tencent").snapshot()["rooms"]["show-1"]["mix"] == "paused"
