"""Behaviour every vendor operator shares: call overrides, the XCom shape, idempotent stops.

Only ``airflow.sdk`` is imported at module level: DAG files import operators on every parse, so
hooks, requests and pydantic models are imported when a task executes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseOperator

from airflow_provider_rtc.operators.outlets import with_answer_in_outlets

if TYPE_CHECKING:
    from airflow_provider_rtc.hooks.base import RtcHook
    from airflow_provider_rtc.hooks.transport import ApiResult


class RtcBaseOperator(BaseOperator):
    """Base of every vendor operator.

    :param request_timeout: seconds to wait for one answer (overrides the connection's ``timeout``).
    :param connect_timeout: seconds to wait for a TCP/TLS connection (default 5).
    :param request_retries: retries of one vendor call on retryable failures (default 3, i.e. 4 attempts).
        Distinct from the task's own ``retries``.
    :param retry_backoff: first backoff in seconds; doubles each retry, with full jitter (default 1).
    :param call_timeout: no new attempt starts after this many seconds (default 120).
    :param extra_body: vendor fields not modelled yet, merged into the request body; may not
        override a modelled field.

    Limits: ``request_timeout`` <= 3600 s, ``connect_timeout`` <= 300 s, ``call_timeout`` <= 86400 s,
    ``retry_backoff`` 0..60 s, ``request_retries`` 0..10.
    """

    vendor_conn_id_attr: ClassVar[str]
    # Vendor request field -> the operator argument holding it (also names the argument in errors).
    _ARGUMENTS: ClassVar[dict[str, str]] = {}
    ui_color = "#e8f1ff"

    def __init__(
        self,
        *,
        request_timeout: float | None = None,
        connect_timeout: float | None = None,
        request_retries: int | None = None,
        retry_backoff: float | None = None,
        call_timeout: float | None = None,
        extra_body: dict[str, Any] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self._post_execute_hook = with_answer_in_outlets(self._post_execute_hook)  # answer -> outlet events' extra
        self.request_timeout = request_timeout
        self.connect_timeout = connect_timeout
        self.request_retries = request_retries
        self.retry_backoff = retry_backoff
        self.call_timeout = call_timeout
        self.extra_body = extra_body

    def hook_overrides(self) -> dict[str, Any]:
        """The call limits for the hook, checked here so a bad one fails naming the argument
        (and before the connection is read) rather than deep inside the transport."""
        from airflow_provider_rtc import arguments

        a = arguments
        return {
            "read_timeout": a.seconds("request_timeout", self.request_timeout, maximum=a.MAX_REQUEST_TIMEOUT),
            "connect_timeout": a.seconds("connect_timeout", self.connect_timeout, maximum=a.MAX_CONNECT_TIMEOUT),
            "max_retries": a.count("request_retries", self.request_retries, minimum=0, maximum=a.MAX_RETRIES),
            "backoff_base": a.seconds("retry_backoff", self.retry_backoff, maximum=a.MAX_BACKOFF, allow_zero=True),
            "total_timeout": a.seconds("call_timeout", self.call_timeout, maximum=a.MAX_CALL_TIMEOUT),
        }

    def vendor_fields(self) -> dict[str, Any]:
        """The request's vendor fields, read from the (rendered) arguments named in ``_ARGUMENTS``."""
        return {vendor: getattr(self, argument) for vendor, argument in self._ARGUMENTS.items()}

    def checked_conn_id(self) -> str:
        from airflow_provider_rtc import arguments

        return arguments.conn_id(self.vendor_conn_id_attr, getattr(self, self.vendor_conn_id_attr))

    def make_hook(self) -> RtcHook:
        raise NotImplementedError

    @staticmethod
    def result(api_result: ApiResult, **flags: bool) -> dict[str, Any]:
        """The XCom value: plain JSON, the vendor's request id and data, plus any flags."""
        return {"request_id": api_result.request_id, "data": api_result.data, **flags}


class IdempotentStopMixin:
    """Stops succeed when the vendor says the task is already gone, unless ``fail_if_not_found``."""

    fail_if_not_found: bool

    def run_stop(self, hook: RtcHook, call) -> dict[str, Any]:
        from airflow_provider_rtc import arguments
        from airflow_provider_rtc.errors import RtcNotFoundError

        # Checked before the call: a "false" string must not turn a missing task into a failure.
        fail_if_not_found = arguments.flag("fail_if_not_found", self.fail_if_not_found)
        try:
            api_result = hook.run(call)
        except RtcNotFoundError as error:
            if fail_if_not_found:
                raise
            self.log.warning(
                "%s %s: the task does not exist or has already stopped (code %s, RequestId %s); "
                "treating the stop as done. Set fail_if_not_found=True to fail instead.",
                error.vendor, error.action, error.code, error.request_id,
            )
            return {"request_id": error.request_id, "data": None, "already_stopped": True}
        return RtcBaseOperator.result(api_result, already_stopped=False)
