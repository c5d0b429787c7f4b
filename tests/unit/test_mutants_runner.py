"""tools/mutants.py: the mutation data file matches the code, and drift fails loudly."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# tools/ is not a package: load the script by path, registered so its dataclasses can find it.
_spec = importlib.util.spec_from_file_location("rtc_tools_mutants", ROOT / "tools" / "mutants.py")
mutants = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("rtc_tools_mutants", mutants)
_spec.loader.exec_module(mutants)


def test_every_mutation_applies_to_the_current_code():
    """After a refactor this fails until tests/mutations.toml is updated: drift is never silent."""
    listed = mutants.load()
    assert len(listed) >= 20
    mutants.check_snippets(listed)


def _data(tmp_path: Path, original: str) -> list:
    (tmp_path / "pkg.py").write_text("x = 1\ny = 1\n")
    (tmp_path / "test_pkg.py").write_text("")
    return [mutants.Mutant("m", "pkg.py", original, "x = 2", ("test_pkg.py",), "why")]


@pytest.mark.parametrize("original", ["z = 1", " = 1"])  # absent, and present twice
def test_a_snippet_not_found_exactly_once_is_drift(tmp_path, original):
    with pytest.raises(mutants.DriftError, match="found"):
        mutants.check_snippets(_data(tmp_path, original), root=tmp_path)


def test_a_unique_snippet_passes_and_mutates_only_the_copy(tmp_path):
    listed = _data(tmp_path, "x = 1")
    mutants.check_snippets(listed, root=tmp_path)
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "pkg.py").write_text((tmp_path / "pkg.py").read_text())
    mutants.mutate(copy, listed[0])
    assert (copy / "pkg.py").read_text() == "x = 2\ny = 1\n"
    assert (tmp_path / "pkg.py").read_text() == "x = 1\ny = 1\n"
