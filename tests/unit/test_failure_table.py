"""README.md's "Failure behaviour" table is exactly what tools/failure_table.py renders from the matrix."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _failure_table():
    # tools/ is a folder of scripts, not a package: load the module from its file.
    spec = importlib.util.spec_from_file_location("failure_table", ROOT / "tools" / "failure_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_failure_table_is_up_to_date():
    table = _failure_table()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert table.START in readme and table.END in readme, "README.md lost its failure-table markers"
    assert table.current(readme) == table.block(), (
        f"README.md's failure table differs from the fault matrix: run `{table.FIX_COMMAND}` and commit README.md"
    )


def test_every_fault_and_role_has_a_rendered_cell():
    table = _failure_table()
    from tests.integration import fault_matrix as fm

    rendered = table.render()
    for fault in fm.FAULTS:
        row = next(line for line in rendered.splitlines() if line.startswith(f"| {fault.title}"))
        assert row.count(" | ") == len(fm.ROLES), row  # one cell per role, none empty
        for role in fm.ROLES:
            assert table.describe(fault, role) in row
