"""Run the property tests again and again with fresh random seeds (the ``wide`` hypothesis profile).

``make properties-wide`` (RUNS=50 by default): each run draws new examples (no derandomisation, no
example database, so no run replays another's find); stops at the first failing run and prints
its output. Prints the time per run, so the cost of the check is known.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

PROPERTY_FILES = [
    "tests/integration/test_bad_input_operators.py",
    "tests/integration/test_bad_input_sensors.py",
    "tests/integration/test_bad_input_catalogue.py",  # every catalogued action (issue 12)
    "tests/integration/test_bad_connections.py",
    "tests/unit/test_signing_tencent.py",
    "tests/unit/test_signing_volcengine.py",
]


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    env = {**os.environ, "HYPOTHESIS_PROFILE": os.environ.get("HYPOTHESIS_PROFILE", "wide")}
    started = time.monotonic()
    for run in range(1, runs + 1):
        t0 = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-o", "addopts=",
             *PROPERTY_FILES],
            env=env, capture_output=True, text=True, timeout=3600,
        )
        summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
        print(f"run {run}/{runs}: {summary} ({time.monotonic() - t0:.0f} s)", flush=True)
        if result.returncode != 0:
            print(result.stdout[-20000:], result.stderr[-5000:], sep="\n")
            print(f"FAILED on run {run} of {runs}")
            return 1
    print(f"{runs} fresh-seed runs in a row passed in {time.monotonic() - started:.0f} s "
          f"({(time.monotonic() - started) / runs:.0f} s a run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
