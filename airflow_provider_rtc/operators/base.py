"""Behaviour every vendor operator shares: an action and an argument spec declared once, the call
limits, the XCom shape, idempotent stops / starts / closes, and one log line per execution.

An operator declares::

    class StopMixOperator(IdempotentStop, ZegoBaseOperator):
        action = "StopMix"                      # the catalogue entry
        arguments = (Arg("mix_task_id", "TaskId", required=True), Arg("sequence", "Sequence"), ...)

and gets its constructor (keyword arguments with a real signature, so ``default_args`` work),
``template_fields`` and the vendor-field <-> argument map from that spec.

Only ``airflow.sdk`` is imported at module level: DAG files import operators on every parse, so
hooks, requests and pydantic models are imported when a task executes.
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Sequence

from airflow.sdk import BaseOperator

from airflow_provider_rtc.operators.outlets import with_answer_in_outlets

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_rtc.errors import RtcApiError
    from airflow_provider_rtc.hooks.base import RtcHook
    from airflow_provider_rtc.hooks.calls import ApiResult

_NOT_GIVEN = inspect.Parameter.empty


@dataclass(frozen=True)
class Arg:
    """One operator argument.

    :param name: the argument (and attribute) name.
    :param field: the vendor field it fills, dotted for nested objects (``ASR.HotWord``); None for
        the operator's own switches (``fail_if_not_found``).
    :param required: no default; Airflow reports it missing at DAG parse.
    :param template: rendered by Jinja (a template field).
    :param note: the rule or unit worth knowing, for the README's operator tables.
    """

    name: str
    field: str | None = None
    required: bool = False
    default: Any = None
    template: bool = True
    note: str = ""


def _is_generated(init: Any) -> bool:
    # Airflow wraps every __init__ (apply_defaults); the generated one sits underneath.
    return bool(getattr(getattr(init, "__wrapped__", init), "_rtc_generated", False))


def _generated_init(cls: type, spec: tuple[Arg, ...]):
    def __init__(self, **kwargs):
        values = {}
        for arg in spec:
            if arg.name in kwargs:
                values[arg.name] = kwargs.pop(arg.name)
            elif arg.required:
                raise TypeError(f"{cls.__name__}: missing keyword argument {arg.name!r}")
            else:
                values[arg.name] = copy.copy(arg.default)
        # The spec is complete: skip the generated constructors of spec'd parents (StopAutoMix's
        # parent StopMix) and hand the rest to the vendor base.
        mro = type(self).__mro__
        position = mro.index(cls) + 1
        while position < len(mro) and _is_generated(mro[position].__dict__.get("__init__")):
            position += 1
        super(mro[position - 1], self).__init__(**kwargs)  # type: ignore[arg-type]  # a class, found at run time
        for name, value in values.items():
            setattr(self, name, value)

    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    parameters += [inspect.Parameter(arg.name, inspect.Parameter.KEYWORD_ONLY,
                                     default=_NOT_GIVEN if arg.required else arg.default) for arg in spec]
    parameters.append(inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD))
    __init__.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    __init__._rtc_generated = True  # type: ignore[attr-defined]
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__doc__ = f"Arguments: {', '.join(arg.name for arg in spec)} (see the class docstring)."
    return __init__


class RtcBaseOperator(BaseOperator):
    """Base of every vendor operator.

    :param request_timeout: seconds to wait for one answer (overrides the connection's ``timeout``).
    :param connect_timeout: seconds to wait for a TCP/TLS connection (default 5).
    :param request_retries: retries of one vendor call on retryable failures (default 3, i.e. 4 attempts).
        Distinct from the task's own ``retries``.
    :param retry_backoff: first backoff in seconds; doubles each retry, with full jitter (default 1).
    :param call_timeout: no new attempt starts after this many seconds (default 120).
    :param extra_body: vendor fields not modelled yet, merged into the request body (the query of a
        GET action); may not override a modelled field.

    Limits: ``request_timeout`` <= 3600 s, ``connect_timeout`` <= 300 s, ``call_timeout`` <= 86400 s,
    ``retry_backoff`` 0..60 s, ``request_retries`` 0..10.
    """

    vendor_conn_id_attr: ClassVar[str]
    vendor_key: ClassVar[str]  # the catalogue's vendor
    action: ClassVar[str]  # the catalogue action this operator calls
    # The argument spec of the concrete operator, and the switches its mixins add.
    arguments: ClassVar[tuple[Arg, ...]] = ()
    switches: ClassVar[tuple[Arg, ...]] = ()
    # Template fields every operator of the vendor has (connection id, extra_body, ...).
    call_fields: ClassVar[tuple[str, ...]] = ("extra_body",)
    # Vendor request field -> the operator argument holding it (also names the argument in errors).
    _ARGUMENTS: ClassVar[dict[str, str]] = {}
    template_fields: Sequence[str] = ()
    ui_color = "#e8f1ff"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "arguments" not in cls.__dict__:
            return
        switch_names = {arg.name for arg in cls.switches}
        spec = (*cls.arguments, *(arg for arg in cls.switches if arg.name not in {a.name for a in cls.arguments}))
        names = [arg.name for arg in spec]
        if len(set(names)) != len(names):
            raise TypeError(f"{cls.__name__}: an argument is declared twice in {names}")
        cls.template_fields = tuple(
            dict.fromkeys([*(a.name for a in spec if a.template and a.name not in switch_names), *cls.call_fields])
        )
        cls._ARGUMENTS = {arg.field: arg.name for arg in cls.arguments if arg.field}
        if "__init__" not in cls.__dict__:
            cls.__init__ = _generated_init(cls, spec)  # type: ignore[method-assign]

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

    # -- arguments ------------------------------------------------------------------------------------

    def hook_overrides(self) -> dict[str, Any]:
        """The call limits for the hook, checked here so a bad one fails naming the argument
        (and before the connection is read) rather than deep inside the transport."""
        from airflow_provider_rtc import arguments as a

        overrides = {
            "read_timeout": a.seconds("request_timeout", self.request_timeout, maximum=a.MAX_REQUEST_TIMEOUT),
            "connect_timeout": a.seconds("connect_timeout", self.connect_timeout, maximum=a.MAX_CONNECT_TIMEOUT),
            "max_retries": a.count("request_retries", self.request_retries, minimum=0, maximum=a.MAX_RETRIES),
            "backoff_base": a.seconds("retry_backoff", self.retry_backoff, maximum=a.MAX_BACKOFF, allow_zero=True),
            "total_timeout": a.seconds("call_timeout", self.call_timeout, maximum=a.MAX_CALL_TIMEOUT),
        }
        return {key: value for key, value in overrides.items() if value is not None}

    def check_switches(self) -> None:
        """Check the operator's own True/False switches before anything else (a "false" string
        must not turn a missing task into a failure)."""
        from airflow_provider_rtc import arguments

        for arg in type(self).switches:
            setattr(self, arg.name, arguments.flag(arg.name, getattr(self, arg.name)))

    def vendor_fields(self) -> dict[str, Any]:
        """The request's vendor fields from the (rendered) arguments; dotted fields nest, and a
        nested object whose fields are all None is left out."""
        fields: dict[str, Any] = {}
        for field, argument in self._ARGUMENTS.items():
            value = getattr(self, argument)
            *parents, leaf = field.split(".")
            if not parents:
                fields[leaf] = value
            elif value is not None:
                node = fields
                for parent in parents:
                    node = node.setdefault(parent, {})
                node[leaf] = value
        return fields

    def argument_names(self) -> dict[str, str]:
        """Vendor path -> argument, including a nested object's path where one argument fills it."""
        names = dict(self._ARGUMENTS)
        owners: dict[str, set[str]] = {}
        for field, argument in self._ARGUMENTS.items():
            parts = field.split(".")
            for n in range(1, len(parts)):
                owners.setdefault(".".join(parts[:n]), set()).add(argument)
        names.update({path: next(iter(args)) for path, args in owners.items() if len(args) == 1})
        return names

    def checked_conn_id(self) -> str:
        from airflow_provider_rtc import arguments

        return arguments.conn_id(self.vendor_conn_id_attr, getattr(self, self.vendor_conn_id_attr))

    # -- execution --------------------------------------------------------------------------------------

    def make_hook(self) -> RtcHook:
        raise NotImplementedError

    def catalogue_entry(self):
        from airflow_provider_rtc import catalogue

        return catalogue.get(self.vendor_key, self.action)

    def validated(self, fields: dict[str, Any]) -> dict[str, Any]:
        """The request (body, or query of a GET action) checked against the catalogue model."""
        from airflow_provider_rtc.models.base import build_request

        model = self.catalogue_entry().request_model()
        return build_request(model, fields, argument_names=self.argument_names(), extra_body=self.extra_body)

    def build(self, hook: RtcHook) -> dict[str, Any]:
        """The validated request: the vendor fields of the arguments (Volcengine adds its AppId)."""
        return self.validated(self.vendor_fields())

    def call_options(self, hook: RtcHook) -> dict[str, Any]:
        """Extra :meth:`RtcHook.call` options (Volcengine: an ``api_version`` override)."""
        return {}

    def request_kind(self) -> str:
        """``body`` (POST) or ``query`` (GET): where the validated request goes."""
        return "query" if self.catalogue_entry().method == "GET" else "body"

    def execute(self, context: Context) -> dict[str, Any]:
        return self.perform()

    def perform(self) -> dict[str, Any]:
        """The operator's work (``execute`` stays here, where Airflow's executor safeguard wraps it)."""
        from airflow_provider_rtc.errors import RtcApiError

        # Every argument is checked before the connection is read; then one call, one log line.
        self.check_switches()
        self.hook_overrides()
        self.checked_conn_id()
        self.prevalidate()
        with self.make_hook() as hook:
            request = self.build(hook)
            try:
                api_result = self.send(hook, request)
            except RtcApiError as error:
                accepted = self.accept_error(error)
                if accepted is None:
                    raise
                return self.report(hook, accepted, error=error)
        return self.report(hook, self.result(api_result, **self.success_flags()), api_result=api_result)

    def send(self, hook: RtcHook, request: dict[str, Any]) -> ApiResult:
        """The one vendor call, through the hook's catalogue path (the request is already validated)."""
        return hook.call(self.action, **{self.request_kind(): request}, validate=False, **self.call_options(hook))

    def prevalidate(self) -> None:
        """Checks that need no connection, run before it is read (Volcengine: the API version)."""

    # -- outcomes ---------------------------------------------------------------------------------------

    def success_flags(self) -> dict[str, bool]:
        """The XCom flags of a plain success (a stop says already_stopped False, ...)."""
        return {}

    def accept_error(self, error: RtcApiError) -> dict[str, Any] | None:
        """The XCom value when ``error`` means the work is already done, else None (raise it)."""
        return None

    def subject(self) -> str:
        """The ids this execution was about, for the log line."""
        parts = [f"{arg.name}={getattr(self, arg.name)}" for arg in type(self).arguments
                 if arg.name.endswith(("_id", "command")) or arg.name == "action"]
        return ", ".join(parts)

    def report(self, hook: RtcHook, value: dict[str, Any], *, api_result: ApiResult | None = None,
               error: RtcApiError | None = None) -> dict[str, Any]:
        """THE one log line of every operator: what it did, and what the vendor said."""
        from airflow_provider_rtc.logtext import summarize

        flags = [key for key, flag in value.items() if isinstance(flag, bool) and flag]
        if error is not None:
            said = (f"{error.vendor} answered code {error.code} ({error.message or error.kind.value}): "
                    f"{getattr(self, 'accepted_hint', 'accepted')}")
        else:
            attempts = api_result.attempts if api_result else 1
            said = f"{hook.vendor} said OK ({summarize(value.get('data'))})" + (
                f" after {attempts} attempts" if attempts > 1 else "")
        outcome = f"done, {' / '.join(f.replace('_', ' ') for f in flags)}" if flags else "done"
        self.log.info("%s %s [%s]: %s; %s; RequestId %s", hook.vendor, self.action, self.subject(), outcome, said,
                      value.get("request_id"))
        return value

    @staticmethod
    def result(api_result: ApiResult, **flags: bool) -> dict[str, Any]:
        """The XCom value: plain JSON, the vendor's request id and data, plus any flags."""
        return {"request_id": api_result.request_id, "data": api_result.data, **flags}


class IdempotentStop:
    """Stops succeed when the vendor says the task is already gone, unless ``fail_if_not_found``."""

    switches: ClassVar[tuple[Arg, ...]] = (Arg("fail_if_not_found", default=False, template=False),)
    done_flag: ClassVar[str] = "already_stopped"
    fail_if_not_found: bool

    def success_flags(self) -> dict[str, bool]:
        return {self.done_flag: False}

    accepted_hint: ClassVar[str] = "the vendor says it does not exist; fail_if_not_found=True fails instead"

    def accept_error(self, error: RtcApiError) -> dict[str, Any] | None:
        if not error.is_not_found or self.fail_if_not_found:
            return None
        return {"request_id": error.request_id, "data": None, self.done_flag: True}


class IdempotentClose(IdempotentStop):
    """Closing a room that is already gone counts as closed (``already_closed``)."""

    done_flag = "already_closed"


class IdempotentStart:
    """A start whose task (same caller-chosen TaskId) already runs counts as started, unless
    ``fail_if_already_running``."""

    switches: ClassVar[tuple[Arg, ...]] = (Arg("fail_if_already_running", default=False, template=False),)
    fail_if_already_running: bool

    def success_flags(self) -> dict[str, bool]:
        return {"already_running": False}

    accepted_hint: ClassVar[str] = "the task is already running; fail_if_already_running=True fails instead"

    def accept_error(self, error: RtcApiError) -> dict[str, Any] | None:
        from airflow_provider_rtc.errors import ErrorKind

        if error.kind is not ErrorKind.ALREADY_EXISTS or self.fail_if_already_running:
            return None
        return {"request_id": error.request_id, "data": None, "already_running": True}


def json_object(name: str, value: Any) -> dict[str, Any] | None:
    """A dict argument of the generic operators: a dict, its JSON text (a rendered template), or None."""
    import json

    from airflow_provider_rtc.errors import RtcValidationError

    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise RtcValidationError(name, f"is not valid JSON ({error.msg})") from None
    if not isinstance(value, dict):
        raise RtcValidationError(name, f"must be a JSON object (dict), not {type(value).__name__}")
    return value


class GenericCall:
    """The generic operators' execution: any action by name, with the hook's catalogue defaults."""

    action: str
    body: Any
    query: Any
    extra_body: Any
    validate: Any
    idempotent: Any

    def perform(self) -> dict[str, Any]:
        from airflow_provider_rtc import arguments

        self.hook_overrides()  # type: ignore[attr-defined]
        self.checked_conn_id()  # type: ignore[attr-defined]
        validate = arguments.flag("validate", self.validate)
        idempotent = None if self.idempotent is None else arguments.flag("idempotent", self.idempotent)
        body = json_object("body", self.body)
        extra = json_object("extra_body", self.extra_body)
        if extra:
            body = {**(body or {}), **extra}
        with self.make_hook() as hook:  # type: ignore[attr-defined]
            api_result = hook.call(self.action, body, query=json_object("query", self.query), idempotent=idempotent,
                                   validate=validate, **self.generic_options())
            return self.report(hook, self.result(api_result), api_result=api_result)  # type: ignore[attr-defined]

    def generic_options(self) -> dict[str, Any]:
        return {}
