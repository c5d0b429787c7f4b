"""``make bench`` must not rot: run the harness at tiny sizes and check what it writes.

Timings at these sizes mean nothing, so no goal is ever asserted here; only that every
measurement ran and that every figure is a finite positive number.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_smoke_run_writes_a_complete_results_file(tmp_path):
    out = tmp_path / "results.json"
    completed = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--out", str(out)], cwd=ROOT,
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    results = json.loads(out.read_text())

    assert results["mode"] == "smoke" and results["goals_met"] is None
    assert {"cpu", "logical_cpus", "memory_gb", "python", "packages"} <= set(results["machine"])
    assert list(results["sections"]) == ["imports", "calls", "signing", "triggerer", "dag", "waiting"]
    for name, section in results["sections"].items():
        assert {"title", "params", "figures", "ratios", "goals", "counts", "notes"} <= set(section), name
        if name != "dag":  # the smoke run only checks the DAG's twin, it times no `dags test`
            assert section["figures"] and section["ratios"], name
        for figure in section["figures"].values():
            for stat in ("median", "p25", "p75", "min", "max"):
                assert isinstance(figure[stat], (int, float)) and math.isfinite(figure[stat]) and figure[stat] > 0
        for ratio in section["ratios"].values():
            assert math.isfinite(ratio["value"]) and ratio["value"] > 0
        for goal in section["goals"].values():
            assert math.isfinite(goal["value"])
    assert results["sections"]["triggerer"]["counts"]["rtc_polls"] > 0
    assert results["sections"]["dag"]["counts"]["tasks"] > 0
    waiting = results["sections"]["waiting"]["counts"]
    # Not timings: that every waiting sensor fired and the limit-enforcing sandbox was never exceeded.
    assert waiting["n12_fired"] == waiting["n12_changed"] == 12
    assert waiting["n12_over_limit"] == 0 and waiting["n12_errors"] == 0
    assert results["table"].count("\n") >= 10  # the table printed and stored for the README
