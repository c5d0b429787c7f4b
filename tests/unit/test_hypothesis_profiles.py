"""CI must not be a coin toss: by default the property tests run derandomised and replay nothing."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings


@pytest.mark.skipif(os.environ.get("HYPOTHESIS_PROFILE", "ci") != "ci", reason="another profile was chosen")
def test_the_default_profile_is_derandomised_without_a_database():
    assert settings.default.derandomize is True
    assert settings.default.database is None


def test_the_wide_profile_draws_fresh_examples_and_more_of_them():
    wide, ci = settings.get_profile("wide"), settings.get_profile("ci")
    assert wide.derandomize is False and wide.database is None
    assert wide.max_examples > ci.max_examples
