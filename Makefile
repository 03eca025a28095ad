# learnapp: `make run` sets everything up and serves the app; `make test` sets up and runs every test.
SHELL := /bin/bash
VENV := .venv
TOOLS := .tools
PORT := $(or $(LEARNAPP_PORT),3000)

export PATH := $(CURDIR)/$(TOOLS)/node_modules/.bin:$(PATH)
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export LEARNAPP_PORT := $(PORT)

.PHONY: run test setup lint bench e2e-deps

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

# Playwright cannot download browsers here: Debian's Chromium is the one the journeys drive.
e2e-deps:
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)

setup: $(VENV)/.installed $(TOOLS)/.installed
	$(VENV)/bin/learnapp db upgrade
	$(VENV)/bin/learnapp demo

run: setup
	@echo "learnapp starting on http://localhost:$(PORT)  (demo accounts above)"
	NPM_CONFIG_REGISTRY=$$(npm config get registry) $(VENV)/bin/reflex run --env prod

test: $(VENV)/.installed $(TOOLS)/.installed e2e-deps
	$(VENV)/bin/ruff check learnapp tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest tests

bench: $(VENV)/.installed
	$(VENV)/bin/python -m bench.completion
