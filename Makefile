# learnapp: `make run` sets everything up and serves the app; `make test` sets up and runs every test.
SHELL := /bin/bash
VENV := .venv
TOOLS := .tools
PORT := $(or $(LEARNAPP_PORT),3000)
# The security suite's database cases (sign-up races, NULs, out-of-range ids) too; its served ones (e2e) ran on SQLite.
PG_SUITES := tests/persistence tests/services tests/api tests/cli tests/security
# The tests that neither serve the app nor start a browser run on every core (pytest-xdist: each worker has its own
# template database, copies and PostgreSQL cluster). The journeys run in two processes, a file at a time: each process
# serves its own app (the first one builds the frontend, later ones reuse the build), and a file's own served app and
# browser stay in one process. They mostly wait on the browser and the server, so two overlap well even on 2 cores.
TEST_WORKERS := $(or $(LEARNAPP_TEST_WORKERS),auto)
PARALLEL := -n $(TEST_WORKERS) --dist worksteal
JOURNEYS := -n $(or $(LEARNAPP_E2E_WORKERS),2) --dist loadfile
# Each pass ends with its slowest tests (set-up included): where the time goes, in every CI log.
SLOWEST := --durations=12

export PATH := $(CURDIR)/$(TOOLS)/node_modules/.bin:$(PATH)
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export LEARNAPP_PORT := $(PORT)
# Granian, not gunicorn, also with several workers (REFLEX_REDIS_URL + GRANIAN_WORKERS); see the README.
export REFLEX_USE_GRANIAN := 1
METRICS_DIR := $(or $(PROMETHEUS_MULTIPROC_DIR),$(CURDIR)/var/metrics)

.PHONY: run test test-fast setup lint bench test-deps

# Python dependencies, reinstalled only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check --upgrade pip
	$(VENV)/bin/pip install -q --disable-pip-version-check -e ".[dev]"
	touch $@

# Reflex needs bun >= 1.4.4; its own downloader is blocked here, so take bun from the npm registry.
$(TOOLS)/.installed:
	npm install --prefix $(TOOLS) --no-audit --no-fund --loglevel=error bun@1.4.4
	touch $@

# The Ralph LRS the xAPI tests send statements to, in a virtual environment of its own (not the app's dependencies).
$(TOOLS)/ralph/.installed:
	python3 -m venv $(TOOLS)/ralph
	$(TOOLS)/ralph/bin/pip install -q --disable-pip-version-check 'ralph-malph[cli,lrs]' requests
	touch $@

# Debian's packages the tests start themselves: Chromium for the journeys (Playwright cannot download
# browsers here), PostgreSQL and Redis for the scale-out suites (clusters in /tmp, on loopback).
HAVE_TEST_DEPS := command -v chromium >/dev/null && test -x /usr/bin/redis-server && ls /usr/lib/postgresql/*/bin/initdb
test-deps:
	@$(HAVE_TEST_DEPS) >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q chromium postgresql redis-server)

setup: $(VENV)/.installed $(TOOLS)/.installed
	$(VENV)/bin/learnapp db upgrade
	$(VENV)/bin/learnapp demo

# /metrics adds up every worker's numbers from METRICS_DIR, emptied at each start (old workers' files would count).
# Set for the server only: as a target variable it would also reach `setup`'s commands, before the folder exists.
# LEARNAPP_DEMO=false: the catalog without the demo accounts (see `learnapp demo`); a public LEARNAPP_ORIGIN is
# refused while demo passwords work or /metrics is open: check-deployment says why before the build starts.
run: setup
	$(VENV)/bin/learnapp check-deployment
	@mkdir -p $(METRICS_DIR) && rm -f $(METRICS_DIR)/*.db
	@echo "learnapp starting on http://localhost:$(PORT)"
	PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR) NPM_CONFIG_REGISTRY=$$(npm config get registry) \
		$(VENV)/bin/reflex run --env prod

# Every test: the whole suite on SQLite (in parallel, then the journeys in one process), then every
# database-touching suite again on PostgreSQL (in parallel). The slow ones (`slow` marker) included.
test: $(VENV)/.installed $(TOOLS)/.installed $(TOOLS)/ralph/.installed test-deps
	$(VENV)/bin/ruff check learnapp tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/bandit -q -r learnapp --severity-level medium
	$(VENV)/bin/pytest tests -m 'not e2e' $(PARALLEL) $(SLOWEST)
	$(VENV)/bin/pytest tests -m e2e $(JOURNEYS) $(SLOWEST)
	LEARNAPP_TEST_DATABASE=postgresql $(VENV)/bin/pytest $(PG_SUITES) -m 'not e2e' $(PARALLEL) $(SLOWEST)

# The inner loop, ~1.7 CPU-minutes over 2 cores (2 min 39 s measured at load 9; ~1 minute idle): ruff, then on
# SQLite and on every core each test that neither serves the app nor starts a browser (`e2e`; a collection guard
# refuses a serving test without the marker) nor is `slow` (property-based tests, Schemathesis, the stateful machine,
# tests that start processes or the Ralph LRS, every migration up and down); -x. `make test` runs all of them.
test-fast: $(VENV)/.installed
	$(VENV)/bin/ruff check learnapp tests bench
	$(VENV)/bin/pytest tests -m 'not e2e and not slow' $(PARALLEL) -x -q

bench: $(VENV)/.installed
	$(VENV)/bin/python -m bench.completion
