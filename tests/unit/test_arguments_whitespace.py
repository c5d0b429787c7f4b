"""The provider's own whole-number arguments read text by the rule users see: a decimal integer
with optional surrounding whitespace. Every character str.strip() removes counts as whitespace,
including the separators \\x1c-\\x1f that int() itself refuses (issue 17: "3\\x1f" escaped as a
bare ValueError)."""

from __future__ import annotations

import pytest

from airflow_provider_rtc import arguments
from airflow_provider_rtc.errors import RtcValidationError
from airflow_provider_rtc.operators.zego import StopMixOperator
from tests.integration.bad_input import (
    execute,
    no_connection_lookup,  # noqa: F401 - a fixture
)
from tests.strategies import WHITESPACE_CHARS


@pytest.mark.parametrize("space", list(WHITESPACE_CHARS), ids=lambda c: f"U+{ord(c):04X}")
def test_any_whitespace_around_a_count_is_ignored(space):
    assert arguments.count("request_retries", f"{space}3{space}", minimum=0, maximum=10) == 3
    assert arguments.seconds("request_timeout", f"{space}3{space}", maximum=60) == 3.0


@pytest.mark.parametrize("text", ["3\x00", "\x073", "٣", "3 4", "+3", "1_0", "", "\x1f"])
def test_other_text_is_refused_naming_the_argument(text):
    with pytest.raises(RtcValidationError) as caught:
        arguments.count("request_retries", text, minimum=0, maximum=10)
    assert caught.value.field == "request_retries"


def test_stop_mix_with_a_unit_separator_after_its_retries_reaches_the_sandbox(sandbox, connections):
    """The issue's reproduction, end to end: accepted as 3, not a bare ValueError."""
    operator = StopMixOperator(task_id="stop", mix_task_id="m", request_retries="3\x1f")
    result = execute(operator)
    assert result["already_stopped"] is True  # no such task in the sandbox: a stop is idempotent
    assert [r.action for r in sandbox.received()] == ["StopMix"]


def test_stop_mix_with_a_bad_retry_count_names_it_before_any_lookup(sandbox, no_connection_lookup):  # noqa: F811
    with pytest.raises(RtcValidationError) as caught:
        execute(StopMixOperator(task_id="stop", mix_task_id="m", request_retries="3\x00"))
    assert caught.value.field == "request_retries"
    assert sandbox.received() == []
