"""Signatures the vendors put on the callbacks they push to us: pure functions, stdlib only.

The request signers beside this module sign what *we* send; these compute what the *vendor* signed,
so the callback receiver (``airflow_provider_rtc.callbacks``) can verify it and the sandbox can
act as the vendor. Every comparison goes through :func:`signatures_match` (constant time).

Sources (re-read with the ``search`` tool, see ``shared/VENDOR_APIS.md`` section 4):

* ZEGO RTC and Cloud Realtime ASR: "Authenticating server-to-server callbacks",
  https://doc-zh.zego.im/article/19700 and https://docs.zegocloud.com/article/9805 -- sort
  ``[callbacksecret, timestamp, nonce]`` as strings, concatenate, sha1, lower-case hex. The
  CallbackSecret is the console's callback key, not the ServerSecret used for API requests.
* Volcengine / BytePlus RTC: https://www.volcengine.com/docs/6348/69820 and
  https://docs.byteplus.com/byteplus-rtc/docs/69820 -- sort ``[EventType, EventData, EventTime,
  EventId, AppId, Version, Nonce, SecretKey]``, join without separator, sha256, hex. BytePlus
  spells the nonce field ``Noce``. EventData is a JSON *string* and is signed exactly as received.
* Tencent IM / TUILiveKit: https://cloud.tencent.com/document/product/269/32431 (callback
  authentication) -- ``Sign = sha256_hex(token + RequestTime)``.
* Tencent TRTC room and media events: https://cloud.tencent.com/document/product/647/51586 and
  https://www.tencentcloud.com/document/product/647/54912 -- ``Sign = base64(HMAC-SHA256(key,
  raw body))``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

__all__ = [
    "VOLCENGINE_SIGNED_FIELDS",
    "signatures_match",
    "tencent_im_callback_sign",
    "trtc_callback_sign",
    "volcengine_callback_signature",
    "zego_callback_signature",
]

# The envelope fields Volcengine signs, besides the secret key; the nonce comes last so callers can
# substitute BytePlus's spelling (``Noce``).
VOLCENGINE_SIGNED_FIELDS: tuple[str, ...] = ("EventType", "EventData", "EventTime", "EventId", "AppId", "Version")


def zego_callback_signature(callback_secret: str, timestamp: str | int, nonce: str | int) -> str:
    """sha1 hex of the three values sorted as strings and concatenated (ZEGO RTC and ASR callbacks).

    ``timestamp`` and ``nonce`` arrive as JSON numbers in some events and strings in others; both
    are signed as their decimal text, so they are converted with ``str`` here, never re-formatted.
    """
    parts = sorted([callback_secret, str(timestamp), str(nonce)])
    return hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()


def volcengine_callback_signature(secret_key: str, fields: Sequence[str], nonce: str) -> str:
    """sha256 hex of the envelope values and the secret, sorted and joined.

    ``fields`` are the values of :data:`VOLCENGINE_SIGNED_FIELDS` in that order (the order does not
    matter after sorting, but a fixed count does: a missing field must be an error, not a shorter
    string).
    """
    if len(fields) != len(VOLCENGINE_SIGNED_FIELDS):
        raise ValueError(f"expected {len(VOLCENGINE_SIGNED_FIELDS)} signed fields, got {len(fields)}")
    parts = sorted([*fields, nonce, secret_key])
    return hashlib.sha256("".join(parts).encode("utf-8")).hexdigest()


def tencent_im_callback_sign(token: str, request_time: str | int) -> str:
    """sha256 hex of the callback token followed by the RequestTime query value (Tencent IM)."""
    return hashlib.sha256(f"{token}{request_time}".encode("utf-8")).hexdigest()


def trtc_callback_sign(key: str, body: bytes) -> str:
    """Standard base64 of HMAC-SHA256 over the raw body bytes, keyed with the callback key (TRTC)."""
    return base64.b64encode(hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def signatures_match(received: object, expected: str) -> bool:
    """Constant-time comparison that never raises on what an attacker sent.

    ``hmac.compare_digest`` raises ``TypeError`` for non-ASCII ``str``; comparing UTF-8 bytes
    avoids that, and anything that is not text (a JSON number, ``null``) simply does not match.
    """
    if not isinstance(received, str):
        return False
    return hmac.compare_digest(received.encode("utf-8"), expected.encode("utf-8"))
