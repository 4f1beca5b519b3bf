# Two commands on a fresh machine (see README.md):
#   make serve   - serve the course app on http://localhost:8866
#   make test    - run every test (package, content, notebooks, real browser), in parallel then the serial ones
#   make test-quick - the quick set for development (no slow, serial or browser tests, no notebooks)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: serving needs only the course's own dependencies; the tests add their tools (browser driver,
# JupyterHub, pypdf, ruff...), so a clinic's first `make serve` installs no test tool.
SERVE_STAMP := $(VENV)/.installed-serve
STAMP := $(VENV)/.installed

.PHONY: serve serve-cluster test test-quick check bench

# Debian packages the tests need and install if missing (root): chromium (browser tests), postgresql (the store
# on PostgreSQL; the tests start their own server), nginx (the several-process cluster test),
# node-configurable-http-proxy (the JupyterHub test's proxy).
DEBS_MISSING = $(strip $(if $(shell command -v chromium),,chromium) \
  $(if $(wildcard /usr/lib/postgresql/*/bin/initdb),,postgresql) \
  $(if $(shell command -v nginx || test -x /usr/sbin/nginx && echo y),,nginx) \
  $(if $(shell command -v configurable-http-proxy),,node-configurable-http-proxy))

$(SERVE_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(SERVE_STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP) $(SERVE_STAMP)

# Workshop setting: `make serve WORKSHOP=1` (network access for the room, 30 kernels kept ready);
# another port: `make serve PORT=8080`.
serve: $(SERVE_STAMP)
	$(BIN)/python -m caregiver_course serve $(if $(WORKSHOP),--workshop) $(if $(PORT),--port=$(PORT))

# For clinics: N course processes behind nginx (sticky sessions, websockets, gzip, limits; TLS with CERT=/KEY=).
# Shares CAREGIVER_DATABASE_URL (PostgreSQL) when set, else one SQLite file on this machine. See the README.
serve-cluster: $(SERVE_STAMP)
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { echo "Installing Debian's nginx"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }
	$(if $(CAREGIVER_DATABASE_URL),$(BIN)/pip install --quiet -e '.[postgresql]')
	$(BIN)/python -m caregiver_course.server.cluster --processes $(or $(N),2) --port $(or $(PORT),8866) \
	  $(if $(CERT),--certfile $(CERT) --keyfile $(or $(KEY),$(CERT)))

check: $(SERVE_STAMP)
	$(BIN)/python -m caregiver_course check

test: $(STAMP)
	@if [ -n "$(DEBS_MISSING)" ]; then echo "Installing Debian's $(DEBS_MISSING) for the tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBS_MISSING) >/dev/null; fi
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/python -m caregiver_course check
	$(BIN)/python -m pytest tests --nbval notebooks --nbval-sanitize-with tests/sanitize.cfg -p no:cacheprovider \
	  -n $(JOBS) --dist loadfile -m "not serial"
	$(BIN)/python -m pytest tests -p no:cacheprovider -m serial

# Test workers for the parallel phase (pytest-xdist; a file's tests stay in one worker, as they share its servers).
# Tests marked `serial` (busy loops on purpose, or a time asserted) then run alone. See tests/conftest.py.
JOBS ?= 3

# The quick set while developing: no slow, serial or real-browser test (tests/conftest.py says which), no notebooks.
test-quick: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest tests -p no:cacheprovider -n $(JOBS) --dist loadfile -m "not slow and not serial and not browser"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_phone.py --runs 3
	$(BIN)/python benchmarks/bench_app.py
	$(BIN)/python benchmarks/bench_workshop.py
	$(BIN)/python benchmarks/bench_toolkit.py
	$(BIN)/python benchmarks/bench_store.py
