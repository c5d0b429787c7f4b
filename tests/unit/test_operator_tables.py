"""README.md's operator tables and action catalogue are exactly what tools/operator_tables.py renders
from the operators' specs and the catalogue."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location("operator_tables", ROOT / "tools" / "operator_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_operator_tables_are_up_to_date():
    tool = _tool()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert tool.replace_blocks(readme) == readme, f"README.md is stale: run `{tool.FIX_COMMAND}` and commit it"


def test_every_operator_and_catalogued_action_has_a_row():
    from airflow_provider_rtc import catalogue

    tool = _tool()
    rendered = "\n".join(tool.blocks().values())
    for vendor in tool.VENDORS:
        for cls in tool._operators(vendor):
            assert f"| `{cls.__name__}` |" in rendered
    for action in catalogue.actions():
        row = next(line for line in rendered.splitlines() if f"| `{action.name}` |" in line)
        assert row.count(" | ") == 6, row  # seven cells: no stray "|" inside one
