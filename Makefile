# Prerequisites: Python 3.10+, make, and access to the package index. Everything else is installed here.
PYTHON ?= python3
UV := .tools/bin/uv
UV_VERSION := 0.13.9
# Use the machine's Python; never download one.
export UV_PYTHON := $(shell $(PYTHON) -c 'import sys; print(sys.executable)')
export UV_PYTHON_DOWNLOADS := never

.PHONY: env demo lint test test-distributed bench clean properties-wide mutants

env: .venv/.synced

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	touch $@

demo: env
	.venv/bin/python tools/run_demo.py

# Static checks first (a few seconds): ruff (pyflakes, bugbear, import order) on the repository,
# mypy on the package. Settings in pyproject.toml.
lint: env
	.venv/bin/ruff check .
	.venv/bin/mypy

test: lint
	.venv/bin/python -m pytest

# The provider on PostgreSQL + Redis + CeleryExecutor (two workers, two triggerers), with a triggerer
# and a worker killed mid-show (tests/distributed, ~5 min). DEPLOYMENT=sqlite: the same tests on
# SQLite + LocalExecutor. The servers come from the `distributed` dependency group's wheels.
DEPLOYMENT ?= celery
test-distributed: env
	RTC_DISTRIBUTED=$(DEPLOYMENT) .venv/bin/python -m pytest tests/distributed -s -v

# Cost of the provider vs. baselines run side by side (~20 min); writes bench/results.json.
bench: env
	.venv/bin/python -m bench

# The property tests RUNS times in a row with fresh random seeds and doubled example counts
# (hypothesis profile "wide"); not part of `make test` (about 40 s a run on 2 cores).
RUNS ?= 50
properties-wide: env
	.venv/bin/python tools/property_runs.py $(RUNS)

# Hand-written one-line mutations of the package (tests/mutations.toml), each run against a
# temporary copy of the tree with only the test files it names; every one must be caught.
mutants: env
	.venv/bin/python tools/mutants.py

clean:
	rm -rf .venv .tools .airflow_home .pytest_cache .hypothesis
