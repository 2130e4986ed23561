# streamfeed: every target sets up what it needs (.venv, node_modules) and
# does nothing extra when they are up to date.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
PYTEST_ARGS ?=
# Most tests wait on emulators and subprocesses, so 4 workers beat 2 even on
# 2 cores; each worker runs its own local cloud.
PYTEST_WORKERS ?= 4

.PHONY: demo test deps browser lint typecheck unit integration clean bench bench-quick chaos

demo: deps
	$(BIN)/streamfeed demo

test: deps browser lint typecheck
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

deps: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): requirements-core.txt requirements.txt requirements-streamer.txt requirements-infra.txt requirements-dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "streamfeed needs Python 3.11+ ($(PYTHON) is $$($(PYTHON) --version))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(NODE_STAMP): package.json package-lock.json
	@command -v node >/dev/null || { echo "streamfeed needs Node.js 20+ (node not found)"; exit 1; }
	@command -v npm >/dev/null || { echo "streamfeed needs npm (not found)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The status page's browser test drives Debian's chromium (Playwright's own
# browser download cannot work offline). Installed only when missing, and only
# where we may (root with apt-get); otherwise the test skips, or fails under CI=true.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the status page's browser test"; \
	    apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium is missing and cannot be installed here (needs root and apt-get)"; \
	  fi; }

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(PY_STAMP)
	$(BIN)/mypy

# The tests that need no local cloud (see tests/conftest.py): seconds, not minutes.
unit: deps
	$(BIN)/pytest -m "not integration" -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Benchmarks (bench/): the full run writes BENCHMARKS.md; the quick one (under two
# minutes on a quiet machine) writes .streamfeed/bench/BENCHMARKS-quick.md. Neither
# fails on a number, only when a benchmark itself breaks.
bench: deps
	$(BIN)/python -m bench --scale full --out BENCHMARKS.md

bench-quick: deps
	$(BIN)/python -m bench --scale quick --out .streamfeed/bench/BENCHMARKS-quick.md

# Reliability (chaos/): every fault, load and bad-input scenario at full length
# (about an hour), written to RELIABILITY.md; fails if a claim broke. The test
# suite runs the same scenarios short (tests/chaos). CHAOS_ARGS="--profile short"
# or "--only x-drops,burst-10x" (see python -m chaos --list) for less.
CHAOS_ARGS ?=
chaos: deps
	$(BIN)/python -m chaos $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache
