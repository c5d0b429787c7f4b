"""The shared base of the vendor hooks: one ``call(action, ...)``, the retry loops, connection tests.

A vendor hook supplies its catalogue (``vendor_key``), ``build_request`` (sign one attempt) and,
where the vendor needs one, a reaction to an error (Tencent drops a rejected UserSig). Reading
answers is shared (:mod:`.answers`), as are the senders (:mod:`.transport`), the retry policy
(:mod:`.retry`) and the connection's fields (:mod:`.connection`).
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from airflow.sdk import BaseHook

from airflow_provider_rtc.errors import ErrorKind, RtcApiError, RtcConfigError, RtcTransportError, RtcValidationError
from airflow_provider_rtc.hooks import answers, transport
from airflow_provider_rtc.hooks.calls import ApiResult, HttpRequest, HttpResponse, VendorCall
from airflow_provider_rtc.hooks.clock import Clock
from airflow_provider_rtc.hooks.connection import ConnectionSettings
from airflow_provider_rtc.hooks.retry import CLOCK_SKEW_HINT, RetryBudget
from airflow_provider_rtc.ratelimit import governor

if TYPE_CHECKING:
    import httpx
    import requests

    from airflow_provider_rtc.catalogue import Action

# The connection Test button makes ONE short attempt: it is a question, not a job to see through.
CONNECTION_TEST_SETTINGS = dict(connect_timeout=3.0, read_timeout=5.0, max_retries=0, total_timeout=10.0)


class RtcHook(ConnectionSettings, BaseHook):
    """Base hook: subclasses set the class attributes and implement ``build_request``.

    :param clock: the :class:`~airflow_provider_rtc.hooks.clock.Clock` (or a wall-time function)
        that signatures, retry budgets and sleeps read; the system clock by default.
    """

    conn_name_attr: ClassVar[str]
    default_conn_name: ClassVar[str]
    conn_type: ClassVar[str]
    hook_name: ClassVar[str]
    vendor: ClassVar[str]  # the name errors and logs use
    vendor_key: ClassVar[str]  # the catalogue's name: "zego", "volcengine", "tencent"
    # What a second stale-timestamp answer means for this vendor's signing scheme.
    clock_skew_hint: ClassVar[str] = CLOCK_SKEW_HINT

    def __init__(
        self,
        conn_id: str | None = None,
        *,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_retries: int | None = None,
        backoff_base: float | None = None,
        total_timeout: float | None = None,
        clock: Clock | Callable[[], float] | None = None,
        logger_name: str | None = None,
    ):
        super().__init__(logger_name=logger_name)
        self.conn_id = conn_id or self.default_conn_name
        self.clock = Clock.of(clock)  # signatures, retry budgets and sleeps read this one clock
        self._overrides = {
            key: value
            for key, value in {
                "connect_timeout": connect_timeout,
                "read_timeout": read_timeout,
                "max_retries": max_retries,
                "backoff_base": backoff_base,
                "total_timeout": total_timeout,
            }.items()
            if value is not None
        }
        self._session: requests.Session | None = None

    # -- what each vendor supplies ----------------------------------------------------------

    def build_request(self, call: VendorCall) -> HttpRequest:
        """Build and sign one attempt of ``call`` (fresh nonce / date / random every time)."""
        raise NotImplementedError

    def interpret(self, call: VendorCall, response: HttpResponse) -> ApiResult:
        """The vendor's answer through the shared interpreter and the vendor's answer format."""
        from airflow_provider_rtc import catalogue

        try:
            return answers.interpret(catalogue.answer_format(self.vendor_key), call, response)
        except RtcApiError as error:
            self.on_error(error)
            raise

    def version_for(self, action: Action) -> str | None:
        """The API version to call ``action`` with (Volcengine: BytePlus may differ)."""
        return action.version

    # -- one call, by catalogue name ------------------------------------------------------------

    def prepare(
        self,
        action: str,
        body: dict[str, Any] | None = None,
        *,
        query: dict[str, Any] | None = None,
        method: str | None = None,
        version: str | None = None,
        endpoint: str | None = None,
        idempotent: bool | None = None,
        validate: bool = True,
    ) -> VendorCall:
        """The :class:`VendorCall` for ``action``: the catalogue's method, version, host and
        idempotency unless given; the body (POST) or query (GET) checked against its model.

        An action the catalogue does not know is sent as given (the generic operators use this
        to reach actions the package has not modelled yet).
        """
        from airflow_provider_rtc import catalogue
        from airflow_provider_rtc.models.base import build_request

        if not isinstance(action, str) or not action.strip():
            raise RtcValidationError("action", "must be the vendor's action / command name")
        entry = catalogue.find(self.vendor_key, action)
        method = method or (entry.method if entry else "POST")
        if not isinstance(method, str) or method.upper() not in ("GET", "POST"):
            raise RtcValidationError("method", f"must be GET or POST, got {method!r}")
        method = method.upper()
        if body is not None and not isinstance(body, dict):
            raise RtcValidationError("body", f"must be a JSON object (dict), not {type(body).__name__}")
        if query is not None and not isinstance(query, dict):
            raise RtcValidationError("query", f"must be a dict, not {type(query).__name__}")
        if method == "GET" and body:
            raise RtcValidationError("body", "a GET call takes its parameters in query, not body")
        query = dict(query or {})
        model = entry.request_model() if entry is not None and validate else None
        if model is not None:
            if method == "GET":
                query = build_request(model, query)
            else:
                body = build_request(model, body or {})
        if entry is not None and entry.wire_names:
            query = {entry.wire_names.get(key, key): value for key, value in query.items()}
        call = VendorCall(
            action=action,
            method=method,
            body=body,
            query=query,
            endpoint=endpoint or (entry.host if entry else "default"),
            version=version or (self.version_for(entry) if entry else None),
            idempotent=idempotent if idempotent is not None else (entry.idempotent if entry else True),
        )
        self.check_call(call)
        return call

    def check_call(self, call: VendorCall) -> None:
        """Refuse, before the connection is read, a call this vendor could not send."""

    def call(self, action: str, body: dict[str, Any] | None = None, **options: Any) -> ApiResult:
        """Call ``action`` by its catalogue name (or any action, sent as given): signed, with
        timeouts and the retry rules of its idempotency. See :meth:`prepare` for ``options``."""
        return self.run(self.prepare(action, body, **options))

    async def acall(self, client: httpx.AsyncClient, action: str, body: dict[str, Any] | None = None,
                    **options: Any) -> ApiResult:
        """The async twin of :meth:`call`, for triggers."""
        return await self.arun(self.prepare(action, body, **options), client)

    def _deprecated(self, old: str) -> None:
        warnings.warn(f"{type(self).__name__}.{old}() is deprecated; use call()", DeprecationWarning, stacklevel=3)

    # -- the attempts -------------------------------------------------------------------------------

    def before_attempt(self, call: VendorCall) -> None:
        """BEFORE EACH ATTEMPT (sync): wait for this call's turn in the process's rate governor,
        inside the vendor's documented limits (:mod:`airflow_provider_rtc.ratelimit`); the attempt
        is signed after the wait."""
        governor.wait_turn(self, call)

    async def abefore_attempt(self, call: VendorCall) -> None:
        """BEFORE EACH ATTEMPT (async): the same turn, waited for on the event loop."""
        await governor.await_turn(self, call)

    def on_error(self, error: RtcApiError) -> None:
        """A vendor's reaction to an error answer, before any retry (Tencent: drop the rejected UserSig)."""

    def run(self, call: VendorCall) -> ApiResult:
        """Execute ``call`` with timeouts, bounded retries and a fresh signature per attempt."""
        budget = RetryBudget(self.settings, idempotent=call.idempotent, clock=self.clock)
        self.verify  # noqa: B018 - a bad 'verify' extra fails here, before anything is signed or sent
        while True:
            # Per-attempt signatures are not registered with the masker: Airflow's masker recompiles
            # one regex over every value it ever got on each new value, so masking a fresh ZEGO
            # signature per call made every call slower than the last (12 ms at the first call,
            # 90 ms by the 200th). They are single-use or expire within minutes, signed URLs are
            # scrubbed from HTTP client log lines (hooks.redaction), and the long-lived secrets they
            # derive from are masked when the hook reads or makes them.
            self.before_attempt(call)
            request = self.build_request(call)
            attempt = budget.record_attempt()
            try:
                response = transport.send_sync(self._get_session(), request, settings=self.settings,
                                               verify=self.verify, vendor=self.vendor, action=call.action,
                                               tls_hint=self._tls_hint())
                return replace(self.interpret(call, response), attempts=attempt)
            except RtcApiError as error:
                self.clock.sleep(self._delay_or_raise(budget, call, error))

    async def arun(self, call: VendorCall, client: httpx.AsyncClient) -> ApiResult:
        """The async twin of :meth:`run` for triggers: same signing, interpretation and retry budget."""
        budget = RetryBudget(self.settings, idempotent=call.idempotent, clock=self.clock)
        while True:
            await self.abefore_attempt(call)
            request = self.build_request(call)
            attempt = budget.record_attempt()
            try:
                response = await transport.send_async(client, request, vendor=self.vendor, action=call.action,
                                                      tls_hint=self._tls_hint())
                return replace(self.interpret(call, response), attempts=attempt)
            except RtcApiError as error:
                await self.clock.asleep(self._delay_or_raise(budget, call, error))

    def _delay_or_raise(self, budget: RetryBudget, call: VendorCall, error: RtcApiError) -> float:
        delay = budget.delay_before_retry(error)
        if delay is None:
            raise budget.final_error(error, clock_skew_hint=self.clock_skew_hint) from None
        self.log.warning(
            "%s %s attempt %d failed (%s); retrying in %.2f s", self.vendor, call.action, budget.attempts, error, delay
        )
        return delay

    def _tls_hint(self) -> str:
        return (f"the server's certificate did not verify; if a private CA signed it, point the 'verify' "
                f"extra of {self.where} at that CA bundle")

    # -- clients ------------------------------------------------------------------------------------

    @classmethod
    async def for_trigger(cls, conn_id: str, **overrides) -> RtcHook:
        """A hook whose connection was fetched without blocking the triggerer's event loop."""
        hook = cls(conn_id, **overrides)
        hook.__dict__["connection"] = await cls.aget_connection(conn_id)
        return hook

    def async_client(self) -> httpx.AsyncClient:
        return transport.async_client(self.settings, self.verify)

    def _get_session(self) -> requests.Session:
        if self._session is None:
            import requests  # deferred: DAG files import operators, only execution needs requests

            from airflow_provider_rtc.hooks import redaction

            redaction.install()
            self._session = requests.Session()
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # -- the connection Test button ---------------------------------------------------------------

    def probe(self) -> ApiResult:
        """A cheap signed read that tells bad credentials from a good setup."""
        raise NotImplementedError

    def probe_answer_means_ok(self, error: RtcApiError) -> bool:
        """Whether an error answer to :meth:`probe` still proves the signature was accepted."""
        return False

    def test_connection(self) -> tuple[bool, str]:
        """One attempt with a short timeout; "not reachable" for network failures.

        The UI tests a connection under a random temporary id, so messages name no connection id.
        """
        self.name_connection = False
        self._overrides = {**self._overrides, **CONNECTION_TEST_SETTINGS}
        self.__dict__.pop("settings", None)
        try:
            self.probe()
        except RtcConfigError as error:
            return False, f"Connection settings invalid: {error}"
        except RtcTransportError as error:
            if error.http_status is None:
                return False, f"{self.vendor} not reachable: {error.message}"
            return False, f"{self.vendor} answered, but not as its API does: {error}"
        except RtcApiError as error:
            if error.is_auth or error.kind is ErrorKind.CLOCK_SKEW:
                return False, f"Credentials rejected by {self.vendor}: {error}"
            if self.probe_answer_means_ok(error):
                return True, (f"{self.vendor} reachable and the signature was accepted (the dummy query "
                              f"answered {error.code}, as expected)")
            return False, f"{self.vendor} reachable but the test call failed: {error}"
        finally:
            self.close()
        return True, f"{self.vendor} reachable and the signature was accepted"

