"""The base of every vendor sensor: poke, reschedule and deferred modes over one condition.

``poke`` evaluates the condition through the sync hook; deferred mode pokes once on the worker,
then hands the same condition (plain data) to :class:`RtcConditionTrigger`, which evaluates it
through the hook's async path on the triggerer, holding no worker slot.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseSensorOperator, PokeReturnValue, conf

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_rtc.conditions import Condition, Outcome


class RtcConditionSensor(BaseSensorOperator):
    """Wait until a vendor condition holds.

    :param deferrable: hand the waiting to the triggerer after one poke (default: Airflow's
        ``[operators] default_deferrable``).
    :param request_timeout: read timeout per request (s).
    :param request_retries: retries of one poll on retryable failures (default 1: the next poll
        is the real retry). Transient errors never fail the sensor on their own.
    :param succeed_at: stop waiting at this time and succeed even though the condition does not
        hold yet (a show's scheduled end: "until the room empties or 22:00, whichever comes
        first"). A datetime or ISO 8601 text (templated; naive means UTC). The XCom value is then
        ``{"succeed_at_reached": True, "succeed_at": "<ISO time>"}``.
    """

    conn_id_attr: ClassVar[str]
    condition_class: ClassVar[type[Condition]]  # for its vendor limits
    ui_color = "#d9f0e3"

    def __init__(
        self,
        *,
        deferrable: bool | None = None,
        request_timeout: float | None = None,
        request_retries: int = 1,
        succeed_at: str | datetime | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.deferrable = (
            conf.getboolean("operators", "default_deferrable", fallback=False) if deferrable is None else deferrable
        )
        self.request_timeout = request_timeout
        self.request_retries = request_retries
        self.succeed_at = succeed_at
        minimum = self.condition_class.resource_interval()
        if minimum and self.poke_interval < minimum:
            self.log.warning(
                "%s: poke_interval %.1f s is below the vendor's limit for this call; using %.0f s",
                self.task_id, self.poke_interval, minimum,
            )
            self.poke_interval = minimum

    # -- what each sensor supplies --------------------------------------------------------------

    def build_condition(self) -> Condition:
        raise NotImplementedError

    # -- shared machinery -----------------------------------------------------------------------

    @property
    def conn_id(self) -> str:
        from airflow_provider_rtc import arguments

        return arguments.conn_id(self.conn_id_attr, getattr(self, self.conn_id_attr))

    def hook_overrides(self) -> dict[str, Any]:
        # Checked (naming the argument) before any connection is read, like the operators' limits.
        from airflow_provider_rtc import arguments

        overrides = {
            "max_retries": arguments.count("request_retries", self.request_retries, minimum=0,
                                           maximum=arguments.MAX_RETRIES),
            "backoff_base": 0.5,
            "total_timeout": 60.0,
        }
        if self.request_timeout is not None:
            overrides["read_timeout"] = arguments.seconds("request_timeout", self.request_timeout,
                                                          maximum=arguments.MAX_REQUEST_TIMEOUT)
        return overrides

    def observe(self) -> Outcome | None:
        from airflow_provider_rtc import conditions
        from airflow_provider_rtc.errors import RtcApiError

        # Limits and connection id are checked first: building a Volcengine condition may read the
        # connection (for its default AppId), and no bad argument may wait until after that.
        overrides, conn_id = self.hook_overrides(), self.conn_id
        try:
            return conditions.check_once(self.build_condition(), conn_id, **overrides)
        except RtcApiError as error:
            if conditions.is_transient(error):
                self.log.warning("Transient error while polling, will poll again: %s", error)
                return None
            raise

    def succeed_at_time(self) -> datetime | None:
        """``succeed_at`` as an aware datetime (checked before any request is sent)."""
        if self.succeed_at in (None, ""):
            return None
        from airflow.sdk import timezone

        from airflow_provider_rtc.errors import RtcValidationError

        if isinstance(self.succeed_at, datetime):
            value = self.succeed_at
        else:
            try:
                value = timezone.parse(str(self.succeed_at), timezone=timezone.utc)
            except (ValueError, TypeError, OverflowError) as error:
                raise RtcValidationError("succeed_at", f"must be an ISO 8601 date-time ({error})") from None
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

    def poke(self, context: Context) -> PokeReturnValue:
        deadline = self.succeed_at_time()
        if deadline is not None:
            from airflow.sdk import timezone

            if timezone.utcnow() >= deadline:
                from airflow_provider_rtc.conditions import succeed_at_value

                self.log.info("succeed_at %s reached: done waiting", deadline.isoformat())
                return PokeReturnValue(is_done=True, xcom_value=succeed_at_value(deadline))
        outcome = self.observe()
        if outcome is None:
            return PokeReturnValue(is_done=False)
        if outcome.failure:
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(outcome.failure)
        # One line per poke of what was seen: ids and counts, never the raw vendor answer.
        self.log.info("%s: %s", "Condition met" if outcome.done else "Not yet", outcome.summary())
        return PokeReturnValue(is_done=outcome.done, xcom_value=outcome.value)

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        first = self.poke(context)
        # Taken after the poke's request went out: the trigger's first poll comes one interval later.
        poked_at = datetime.now(timezone.utc).isoformat()
        if first.is_done:
            return first.xcom_value
        from airflow_provider_rtc.triggers.rtc import RtcConditionTrigger

        self.defer(
            trigger=RtcConditionTrigger(
                conn_id=self.conn_id,
                condition=self.build_condition().to_dict(),
                poll_interval=float(self.poke_interval),
                hook_overrides=self.hook_overrides(),
                succeed_at=deadline.isoformat() if (deadline := self.succeed_at_time()) else None,
                poked_at=poked_at,
                gives_up_at=(datetime.now(timezone.utc) + timedelta(seconds=self.timeout)).isoformat(timespec="seconds"),
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout),
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        status = event.get("status")
        if status == "done":
            from airflow_provider_rtc.logtext import summarize

            self.log.info("Condition met on the triggerer: %s", summarize(event.get("value")))
            return event.get("value")
        if status == "failed":
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(event.get("message"))
        from airflow_provider_rtc.errors import RtcError

        raise RtcError(f"{event.get('error_type', 'error')} while waiting on the triggerer: {event.get('message')}")
