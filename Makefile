# ScholarLink — `make run` runs the app on its embedded defaults; `make test` runs every test.
# Both install what they need (Python venv, bun from the npm registry, Debian's Chromium for
# the browser tests) and are idempotent: a second run only re-checks stamps.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
BUN := $(TOOLS)/bun/node_modules/.bin/bun
ENV ?= dev

export REFLEX_BUN_PATH := $(abspath $(BUN))
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export NPM_CONFIG_REGISTRY ?= $(shell npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install bun browser promtool oidc axe services migrate catalogue run run-prod run-scaled test lint typecheck imports bench clean

help:
	@echo "make run    - run ScholarLink on 127.0.0.1:3000 (API on :8000), dev mode; ENV=prod for prod mode"
	@echo "make test   - run lint, type checks and the whole test suite (SQLite and PostgreSQL, Chromium)"
	@echo "make bench  - run the benchmarks in bench/"

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	@touch $@

install: $(BIN)/.installed

# bun comes from the npm registry (Reflex's own installer downloads from elsewhere and fails here).
$(BUN):
	@mkdir -p $(TOOLS)/bun
	npm install --prefix $(TOOLS)/bun --no-audit --no-fund --loglevel=error bun@1.4.4
	@$(BUN) --version >/dev/null

bun: $(BUN)

browser:
	@scripts/ensure-chromium.sh

promtool:
	@scripts/ensure-promtool.sh

# The real OpenID Connect provider the sign-in tests run (npm oidc-provider, pinned by its lock).
OIDC_NODE := tests/support/oidc/node_modules/.package-lock.json
$(OIDC_NODE): tests/support/oidc/package-lock.json
	npm ci --prefix tests/support/oidc --no-audit --no-fund --loglevel=error
	@touch $@

oidc: $(OIDC_NODE)

# axe-core, the accessibility rules the browser tests run on every page (pinned by its lock).
AXE_NODE := tests/support/axe/node_modules/.package-lock.json
$(AXE_NODE): tests/support/axe/package-lock.json
	npm ci --prefix tests/support/axe --no-audit --no-fund --loglevel=error
	@touch $@

axe: $(AXE_NODE)

services:
	@scripts/ensure-services.sh

migrate: install
	$(BIN)/scholarlink migrate

catalogue: migrate
	$(BIN)/scholarlink catalogue load

# The browser opens APP_URL (127.0.0.1:3000) and its websocket talks to the backend on the same
# host, so the HttpOnly session cookie the backend sets travels with it (SameSite=Lax).
run: install bun catalogue
	REFLEX_API_URL=$${REFLEX_API_URL:-http://127.0.0.1:8000} \
	$(BIN)/reflex run --env $(ENV) --frontend-port 3000 --backend-port 8000 --backend-host 127.0.0.1

run-prod:
	$(MAKE) run ENV=prod

# Scaled out: PostgreSQL (DATABASE_URL), Reflex state in Redis, several backend workers, and the
# agent task worker as its own process. Example:
#   make run-scaled DATABASE_URL=postgresql://postgres@127.0.0.1/scholarlink
run-scaled: install bun
	@test -n "$(DATABASE_URL)" || { echo "set DATABASE_URL to a PostgreSQL database"; exit 2; }
	DATABASE_URL=$(DATABASE_URL) $(BIN)/scholarlink migrate
	DATABASE_URL=$(DATABASE_URL) $(BIN)/scholarlink catalogue load
	DATABASE_URL=$(DATABASE_URL) AGENT_RUN_WORKER=false \
	REFLEX_REDIS_URL=$${REFLEX_REDIS_URL:-redis://127.0.0.1:6379/1} GRANIAN_WORKERS=$${GRANIAN_WORKERS:-3} \
	bash -c 'trap "kill 0" EXIT; \
	  if [ -n "$$SHARED_SECRET" ]; then $(BIN)/scholarlink worker & fi; \
	  REFLEX_API_URL=$${REFLEX_API_URL:-http://127.0.0.1:3000} $(BIN)/reflex run --env prod --single-port --frontend-port 3000 --backend-port 3000 --backend-host 127.0.0.1'

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy scholarlink rxconfig.py

imports: install
	$(BIN)/lint-imports

test: install bun browser promtool oidc axe services lint typecheck imports
	$(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf .web .states .data artifacts
