"""What a catalogue entry says about one vendor action, and how a vendor's answers are laid out.

Plain frozen data: no I/O, no Airflow. The shared interpreter (:mod:`airflow_provider_rtc.hooks.answers`)
reads an :class:`AnswerFormat`; hooks, operators, conditions, the sandbox and the tests read
:class:`Action` entries, so an action is described once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Mapping, Optional, Union

from airflow_provider_rtc.errors import ErrorKind

if TYPE_CHECKING:
    from airflow_provider_rtc.models.base import VendorModel

Code = Union[int, str]
Path = tuple[str, ...]


@dataclass(frozen=True)
class RateLimit:
    """A documented request-rate limit (what a rate governor must respect).

    ``per_second``: requests per second for the whole ``scope`` (one AppId / SDKAppID, or the
    whole vendor account); ``per_resource_interval``: the minimum seconds between two calls about
    the same resource (room, task), where the vendor documents one, and ``resource_field`` the
    request field (query or body) that names that resource. None means not documented.

    The one place these numbers live: the rate governor (``ratelimit``), the sandbox's limit
    gate, the sensors' ``poke_interval`` floor and the trigger's first-poll wait all read them.
    """

    per_second: Optional[float]
    per_resource_interval: Optional[float] = None
    scope: Literal["app", "account"] = "app"
    resource_field: Optional[str] = None

    def resource_in(self, query: Optional[Mapping[str, Any]], body: Any = None) -> Optional[str]:
        """The resource a call is about (e.g. its ZEGO room), or None when no per-resource limit applies."""
        if not self.per_resource_interval or self.resource_field is None:
            return None
        name = self.resource_field
        value = (query or {}).get(name)
        if value is None and isinstance(body, Mapping):
            value = body.get(name)
        if isinstance(value, (list, tuple)):
            value = ",".join(map(str, value))
        return None if value is None else str(value)


@dataclass(frozen=True)
class ErrorTable:
    """A vendor's error codes by how they are handled: data, not scattered ``if``s."""

    retryable: frozenset = frozenset()
    auth: frozenset = frozenset()
    clock_skew: frozenset = frozenset()
    not_found: frozenset = frozenset()
    already_exists: frozenset = frozenset()
    invalid: frozenset = frozenset()
    # Code prefixes that mark a parameter problem even for codes not listed (Volcengine adds new
    # InvalidParameter.* codes per API).
    invalid_prefixes: tuple[str, ...] = ()

    def classify(self, code: Optional[Code], *, http_status: int = 200) -> ErrorKind:
        for kind, codes in (
            (ErrorKind.CLOCK_SKEW, self.clock_skew),
            (ErrorKind.AUTH, self.auth),
            (ErrorKind.RETRYABLE, self.retryable),
            (ErrorKind.NOT_FOUND, self.not_found),
            (ErrorKind.ALREADY_EXISTS, self.already_exists),
            (ErrorKind.INVALID, self.invalid),
        ):
            if code in codes:
                return kind
        # An unknown code behind a 429/5xx is the gateway being unwell, not a verdict on the request.
        if http_status == 429 or http_status >= 500:
            return ErrorKind.RETRYABLE
        if isinstance(code, str) and self.invalid_prefixes and code.startswith(self.invalid_prefixes):
            return ErrorKind.INVALID
        # An unlisted code refused with 401/403 is still a credentials or permission problem.
        if http_status in (401, 403):
            return ErrorKind.AUTH
        return ErrorKind.FAILED


@dataclass(frozen=True)
class AnswerFormat:
    """Where a vendor's answer keeps its code, message, request id and data, and what they mean.

    An answer is the vendor's envelope when one of ``markers`` is present. It succeeded when the
    HTTP status is 2xx, its code is absent (if ``code_required`` is False) or one of
    ``success_codes``, and its ``status`` field (if the vendor has one) says ``status_ok``.
    """

    vendor: str  # the name errors use ("ZEGO", "Volcengine", "Tencent")
    markers: tuple[Path, ...]
    codes: tuple[Path, ...]  # tried in order; the first present one is the code
    message: Path
    request_id: Path
    data: Path
    errors: ErrorTable
    code_type: type = int  # int: a decimal text is read as its number; str: any scalar as text
    strict_int_code: bool = False  # ZEGO: a Code that is not a JSON integer is no envelope
    code_required: bool = False
    success_codes: frozenset = frozenset({0})
    status: Optional[Path] = None
    status_ok: str = "OK"
    # An error object whose presence means failure even without a code (Volcengine's
    # ResponseMetadata.Error): one with any non-empty field fails the call, an all-empty one says nothing.
    error_object: Optional[Path] = None
    # What to do about a code, beyond the vendor's message; and the default hint of an auth failure.
    hints: Mapping[Code, str] = field(default_factory=dict)
    auth_hint: str = ""
    # Messages naming the call's subject: code -> template over the request body (e.g. "{RoomId!r}").
    subject_messages: Mapping[Code, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Action:
    """One vendor action: how it is called, what it takes, how fast it may be called.

    :param host: which base URL of the connection serves it (ZEGO: ``rtc`` or ``asr``).
    :param idempotent: False when repeating an accepted request would do the work twice, so an
        attempt that may have reached the vendor is never repeated.
    :param model: the name of the request model in ``airflow_provider_rtc.models.<vendor>`` (body for
        POST, query for GET); resolved on use, so reading the catalogue imports no pydantic model.
    :param example: a valid request that succeeds against a fresh sandbox (``{"body": ...}`` or
        ``{"query": ...}``; ``"{app_id}"`` stands for the connection's AppId). The fault matrix and
        the bad-input properties call every action that has one through the generic operators;
        an action without one must be covered by an operator or sensor of its own.
    :param docs: the vendor pages behind the entry.
    :param unconfirmed: facts the docs did not settle, and how the package copes with each reading.
    """

    vendor: str  # "zego", "volcengine", "tencent"
    name: str
    method: Literal["GET", "POST"]
    model: Optional[str]
    limit: RateLimit
    docs: tuple[str, ...]
    version: Optional[str] = None
    byteplus_version: Optional[str] = None  # where BytePlus serves the action under another Version
    host: str = "default"
    idempotent: bool = True
    example: Mapping[str, Any] = field(default_factory=dict)
    # Model field -> the name sent on the wire, where they differ (ZEGO's "RoomId[]" lists).
    wire_names: Mapping[str, str] = field(default_factory=dict)
    # Query fields that must strictly increase per call (ZEGO's Sequence): the hook writes a fresh
    # millisecond stamp into them on every attempt, retries included.
    increasing: tuple[str, ...] = ()
    summary: str = ""
    unconfirmed: str = ""


    def request_model(self) -> type[VendorModel] | None:
        if self.model is None:
            return None
        import importlib

        return getattr(importlib.import_module(f"airflow_provider_rtc.models.{self.vendor}"), self.model)

    @property
    def key(self) -> str:
        """``vendor:name``, e.g. for a rate governor's buckets."""
        return f"{self.vendor}:{self.name}"


def read_path(document: Any, path: Path) -> Any:
    for key in path:
        if not isinstance(document, dict):
            return None
        document = document.get(key)
    return document
