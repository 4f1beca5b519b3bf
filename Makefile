# Two commands on a fresh machine (see README.md):
#   make serve   - serve the course app on http://localhost:8866
#   make test    - run every test (package, content, notebooks, real browser)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test check bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Workshop setting: `make serve WORKSHOP=1` (network access for the room, 30 kernels kept ready).
serve: $(STAMP)
	$(BIN)/python -m caregiver_course serve $(if $(WORKSHOP),--workshop)

check: $(STAMP)
	$(BIN)/python -m caregiver_course check

test: $(STAMP)
	@command -v chromium >/dev/null || { echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/python -m caregiver_course check
	$(BIN)/python -m pytest tests --nbval notebooks --nbval-sanitize-with tests/sanitize.cfg -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_phone.py --runs 3
	$(BIN)/python benchmarks/bench_app.py
	$(BIN)/python benchmarks/bench_workshop.py
	$(BIN)/python benchmarks/bench_toolkit.py
