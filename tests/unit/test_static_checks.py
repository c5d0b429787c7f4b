"""`make test` runs the static checks before pytest, and they are configured the way the project
promises (pyflakes, bugbear and import order; mypy on the package)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _target(makefile: str, name: str) -> tuple[list[str], list[str]]:
    match = re.search(rf"^{name}:(.*)\n((?:\t.*\n)*)", makefile, re.M)
    assert match, f"no {name} target"
    return match.group(1).split(), [line.strip() for line in match.group(2).splitlines()]


def test_make_test_runs_lint_first_and_lint_runs_ruff_and_mypy():
    makefile = (ROOT / "Makefile").read_text()
    prerequisites, _ = _target(makefile, "test")
    assert "lint" in prerequisites
    _, recipe = _target(makefile, "lint")
    assert ".venv/bin/ruff check ." in recipe and ".venv/bin/mypy" in recipe


def test_ruff_and_mypy_are_configured_and_installed_with_the_tests():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert set(project["tool"]["ruff"]["lint"]["select"]) >= {"F", "B", "I"}
    assert project["tool"]["mypy"]["packages"] == ["airflow_provider_rtc"]
    test_group = " ".join(project["dependency-groups"]["test"])
    assert "ruff" in test_group and "mypy" in test_group
