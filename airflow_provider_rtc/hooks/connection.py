"""Reading an Airflow connection's fields and extras the same way for every vendor hook."""

from __future__ import annotations

import math
import os
import re
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk.log import mask_secret

from airflow_provider_rtc.errors import RtcConfigError
from airflow_provider_rtc.hooks.retry import CallSettings
from airflow_provider_rtc.urls import normalize_base_url

if TYPE_CHECKING:
    from airflow.sdk import Connection

_DECIMAL = re.compile(r"[0-9]{1,10}")

# What Airflow shows instead of a hidden value. Airflow 3.3's connection form can save it as the
# value of a secret extra (see get_provider_info), so a stored "***" is never taken for a secret.
MASK = "***"


class ConnectionSettings:
    """Mixin of the hooks: typed access to ``self.connection`` with errors naming the connection.

    ``where`` names the connection in messages; the connection Test button sets
    ``name_connection = False`` because the UI tests under a random temporary id.
    """

    conn_id: str
    conn_type: ClassVar[str]
    _overrides: dict[str, Any]
    name_connection: bool = True

    @cached_property
    def connection(self) -> Connection:
        return self.get_connection(self.conn_id)  # type: ignore[attr-defined]  # BaseHook's, next in the MRO

    @property
    def where(self) -> str:
        return f"connection {self.conn_id!r}" if self.name_connection else "the connection"

    def extra(self, key: str, default: Any = None) -> Any:
        """An extra field, also under the ``extra__{conn_type}__`` prefix older UIs wrote."""
        extras = self.connection.extra_dejson
        for name in (key, f"extra__{self.conn_type}__{key}"):
            value = extras.get(name)
            if value not in (None, ""):
                return value
        return default

    def extra_number(self, key: str, *, maximum: float) -> float | None:
        value = self.extra(key)
        if value is None:
            return None
        try:
            # true is not 1 second; "nan"/"inf" parse as floats but are no timeout or lifetime.
            if isinstance(value, bool):
                raise TypeError
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise RtcConfigError(f"{self.where}: extra {key!r} must be a number, got {value!r}") from None
        if not math.isfinite(number) or number <= 0 or number > maximum:
            raise RtcConfigError(f"{self.where}: extra {key!r} must be > 0 and at most {maximum:g}, got {value!r}")
        return number

    def extra_bool(self, key: str, default: bool = False) -> bool:
        value = self.extra(key, default)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off"):
            return False
        raise RtcConfigError(f"{self.where}: extra {key!r} must be true or false, got {value!r}")

    def require_uint32_login(self, what: str) -> int:
        """The login field as a decimal uint32 id (ZEGO AppId, Tencent SDKAppID), or a clear error."""
        login = (self.connection.login or "").strip()
        # ASCII digits only: str.isdigit() also takes "²" or "１２", which int() then refuses or reads.
        if not _DECIMAL.fullmatch(login) or not 0 < int(login) < 2**32:
            raise RtcConfigError(
                f"{self.where}: login must be the {what}, a decimal number between 1 and "
                f"4294967295 (got {'an empty value' if not login else repr(login)})"
            )
        return int(login)

    def host_url(self, default: str) -> str:
        """The vendor base URL: the Host field (``default`` when empty) with the Port field merged in.

        One rule for every vendor (``urls.normalize_base_url``): an empty port, 0 or the scheme's
        default means no port; a port that contradicts the one in the host URL is refused. The form
        shows Port because Airflow 3.3's Test button needs a stored port (issue 15).
        """
        conn = self.connection
        host = (conn.host or "").strip() or default
        return normalize_base_url(host, field=f"{self.where}: host", port=conn.port)

    def optional_secret_extra(self, key: str) -> str | None:
        """A secret extra (masked in logs), or None when empty; Airflow's mask ``***`` is refused by name."""
        value = self.extra(key)
        text = str(value).strip() if value is not None else ""
        if text == MASK:
            raise RtcConfigError(
                f"{self.where}: extra {key!r} holds Airflow's mask '***', not a secret: enter the real value "
                "or clear the field"
            )
        if text:
            mask_secret(text)
        return text or None

    def require_secret(self, value: str | None, what: str) -> str:
        if not value or not value.strip():
            raise RtcConfigError(f"{self.where}: {what} (password field) is empty")
        mask_secret(value)
        return value

    @cached_property
    def settings(self) -> CallSettings:
        defaults = {}
        if (timeout := self.extra_number("timeout", maximum=3600.0)) is not None:
            defaults["read_timeout"] = timeout
        return CallSettings(**{**defaults, **self._overrides})

    @cached_property
    def verify(self) -> bool | str:
        """TLS verification: on by default; a CA bundle path, or off with a warning.

        The path must exist (a PEM file, or a directory prepared with ``c_rehash``): a typo would
        otherwise surface as a puzzling TLS failure on every call, or - in some client versions -
        be ignored.
        """
        value = self.extra("verify")
        text = value.strip() if isinstance(value, str) else None
        if value is None or value is True or (text is not None and text.lower() in ("true", "1", "yes")):
            return True
        if value is False or (text is not None and text.lower() in ("false", "0", "no")):
            self.log.warning(  # type: ignore[attr-defined]
                "TLS certificate verification is DISABLED for %s: anyone on the path can "
                "read and alter vendor calls. Point the 'verify' extra at a CA bundle instead.",
                self.where,
            )
            return False
        if not text:
            raise RtcConfigError(
                f"{self.where}: extra 'verify' must be true, false or the path of a CA bundle, "
                f"got {type(value).__name__}"
            )
        if not os.path.exists(text):
            raise RtcConfigError(f"{self.where}: extra 'verify': CA bundle {text!r} does not exist")
        return text
