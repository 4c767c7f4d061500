# The two commands a newcomer needs are `make run` and `make test`; everything else is for us.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.DEFAULT_GOAL := help
.PHONY: help run test fuzz lint format bench bench-smoke requirements shell clean-data player-deps hls-deps axe-deps edge-deps cluster-deps cluster-test

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "); run make PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: requirements/run.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/run.txt
	@rm -f $(VENV)/.dev-installed
	@touch $@

$(VENV)/.dev-installed: requirements/dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	@touch $(VENV)/.run-installed $@

run: $(VENV)/.run-installed  ## Start the whole portal (web, worker, beat) on embedded PostgreSQL and Redis
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py runportal --host $(HOST) --port $(PORT)

# The browser tests drive Debian's /usr/bin/chromium where it is installed (nothing is
# downloaded then); elsewhere Playwright fetches its own Chromium once, which needs internet.
test: $(VENV)/.dev-installed  ## Run the whole test suite against real PostgreSQL and Redis
	@if [ -x /usr/bin/chromium ]; then echo "Browser tests use /usr/bin/chromium"; \
	else $(BIN)/python -m playwright install chromium; fi
	$(BIN)/python -m pytest $(PYTEST_ARGS)

fuzz: $(VENV)/.dev-installed  ## Run the property-based fuzzers for longer (3,000 cases each)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -m fuzz $(PYTEST_ARGS)

# mypy's Django plugin imports the settings, which need URLs; nothing connects to them.
LINT_ENV := DATABASE_URL=postgres://lint@localhost/lint REDIS_URL=redis://localhost:6379/0 SECRET_KEY=lint-only

lint: $(VENV)/.dev-installed  ## ruff check, ruff format --check and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(LINT_ENV) $(BIN)/mypy .

format: $(VENV)/.dev-installed  ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.dev-installed  ## Run the benchmarks; exits non-zero on a failed request or a missed target
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-smoke: $(VENV)/.dev-installed  ## Every benchmark for seconds (CI): fails on a failed request
	$(BIN)/python -m bench --smoke

shell: $(VENV)/.run-installed  ## A Django shell on the same engines as `make run`
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py shell

requirements:  ## Recompile the hash-pinned requirements from pyproject.toml (needs uv)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra embedded --generate-hashes --universal --python-version 3.11 --no-header --quiet -o requirements/run.txt
	$(BIN)/uv pip compile pyproject.toml --extra embedded --extra dev --generate-hashes --universal --python-version 3.11 --no-header --quiet -o requirements/dev.txt

clean-data:  ## Delete the embedded engines' data (the demo and test databases)
	rm -rf .local/engines .local/engines-test

player-deps: hls-deps  ## Optional: serve hls.js (npm) to browsers whose own HLS cannot switch audio
	mkdir -p static/vendor
	cp .local/player-deps/node_modules/hls.js/dist/hls.min.js static/vendor/hls.min.js
	@echo "hls.js installed in static/vendor/; the watch page loads it from the portal."

hls-deps:  ## Optional: fetch hls.js from the npm registry into .local/ (the player's browser test uses it)
	@command -v npm >/dev/null || { echo "npm is needed for this optional step (Node.js)"; exit 1; }
	npm install --prefix .local/player-deps --no-save --no-package-lock --silent hls.js@1

axe-deps:  ## Optional: axe-core from the npm registry, the accessibility test's second copy of axe
	@command -v npm >/dev/null || { echo "npm is needed for this optional step (Node.js)"; exit 1; }
	npm install --prefix .local/axe-deps --no-save --no-package-lock --silent axe-core@4

# The production topology's engines are Debian packages, not Python: the nginx edge (njs) and
# wrk, which drives it in the edge benchmark. The tests that need them skip without them.
EDGE_PACKAGES := nginx-light libnginx-mod-http-js wrk

edge-deps:  ## Install Debian's nginx, its njs module and wrk (the nginx edge and its benchmark; root)
	@if [ -x /usr/sbin/nginx ] && [ -f /usr/lib/nginx/modules/ngx_http_js_module.so ] && command -v wrk >/dev/null; then \
		echo "nginx, njs and wrk are installed"; \
	else \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(EDGE_PACKAGES); \
	fi

# The whole topology (docs/deploy.md): PostgreSQL 15's server binaries for the primary and its
# streaming replica, Redis with Sentinel, nginx with njs; moto's S3 server comes from the
# dev requirements.
CLUSTER_PACKAGES := $(EDGE_PACKAGES) postgresql-15 redis-server redis-sentinel

cluster-deps:  ## Install the Debian packages make cluster-test needs (root)
	@if [ -x /usr/lib/postgresql/15/bin/pg_ctl ] && [ -x /usr/bin/redis-sentinel ] && [ -x /usr/sbin/nginx ] \
		&& [ -f /usr/lib/nginx/modules/ngx_http_js_module.so ] && command -v wrk >/dev/null; then \
		echo "PostgreSQL 15, Redis Sentinel, nginx, njs and wrk are installed"; \
	else \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(CLUSTER_PACKAGES); \
	fi

cluster-test: $(VENV)/.dev-installed  ## Bring the production topology up here, break each piece under load, report
	$(BIN)/python -m deploy.cluster $(CLUSTER_ARGS)
