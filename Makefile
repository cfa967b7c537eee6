# LayerLab — the front door. `make run` and `make test` do all the set-up themselves.
#
# Torch: pyproject asks for a range (torch>=2.4). On a machine without an NVIDIA GPU we
# install the CPU build first (TORCH_SPEC=torch==2.13.0, a local wheel on these machines),
# so the range is already met and pip never pulls the multi-gigabyte CUDA build.
# Override with e.g. `make install TORCH_SPEC='torch>=2.4'` on a GPU machine.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HAS_NVIDIA := $(shell command -v nvidia-smi >/dev/null 2>&1 && echo yes)
TORCH_SPEC ?= $(if $(HAS_NVIDIA),torch>=2.4,torch==2.13.0)
HOST ?= 127.0.0.1
PORT ?= 8000
export LAYERLAB_HOME ?= $(CURDIR)/.layerlab
# A data-set folder beside the repository (as CI has) is read instead of downloading.
SHARED_DATASETS := $(wildcard $(CURDIR)/../shared/datasets)
ifneq ($(SHARED_DATASETS),)
export LAYERLAB_DATA_DIR ?= $(abspath $(SHARED_DATASETS))
endif
export NO_COLOR := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

FRONTEND := frontend
FRONTEND_SRC := $(shell find $(FRONTEND)/src $(FRONTEND)/index.html $(FRONTEND)/package.json $(FRONTEND)/vite.config.ts -type f 2>/dev/null)

.PHONY: help install run dev check format test test-py test-front e2e bench bench-accuracy client system-deps up clean

help:
	@echo "make run    - set up everything, build the page, serve http://$(HOST):$(PORT)"
	@echo "make test   - set up everything, then checks, Python tests, front-end tests, browser tests"
	@echo "make check  - ruff format check, ruff lint, mypy --strict, TypeScript"
	@echo "make bench  - benchmarks in bench/ (not part of the tests)"
	@echo "make dev    - API server with reload + Vite dev server with a proxy"
	@echo "make client - regenerate the TypeScript API types from the server's OpenAPI schema"

# --- Python environment -------------------------------------------------------------
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -U pip 2>&1 | grep -v "is ignored" || true
	$(PIP) install -q "$(TORCH_SPEC)" 2>&1 | grep -v "is ignored" || true
	$(PIP) install -q -e '.[dev,postgres]' 2>&1 | grep -v "is ignored" || true
	$(PY) -c "import torch, fastapi, layerlab" 
	@touch $@

# --- Front end ----------------------------------------------------------------------
$(FRONTEND)/node_modules/.installed: $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(FRONTEND)/dist/index.html: $(FRONTEND)/node_modules/.installed $(FRONTEND_SRC)
	cd $(FRONTEND) && npm run build --silent

install: $(VENV)/.installed $(FRONTEND)/node_modules/.installed

# --- System packages the tests use (Debian's; never `playwright install`) -------------
# chromium: browser end-to-end tests. postgresql: the PostgreSQL storage tests. docker-compose
# (Debian's v1): validates docker-compose*.yml, as no Docker engine runs here. Tests that need
# one of them skip with the reason when it is missing.
system-deps:
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	  command -v docker-compose >/dev/null 2>&1 || missing="$$missing docker-compose"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then echo "installing$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	    else echo "missing system packages:$$missing (sudo apt-get install$$missing)"; fi; fi

# --- Using it -----------------------------------------------------------------------
run: $(VENV)/.installed $(FRONTEND)/dist/index.html
	$(VENV)/bin/layerlab serve --host $(HOST) --port $(PORT)

dev: $(VENV)/.installed $(FRONTEND)/node_modules/.installed
	( LAYERLAB_CORS_ORIGINS=http://127.0.0.1:5173,http://localhost:5173 \
	  $(VENV)/bin/uvicorn layerlab.main:create_app --factory --reload --host $(HOST) --port $(PORT) & \
	  cd $(FRONTEND) && npm run dev )

client: $(VENV)/.installed $(FRONTEND)/node_modules/.installed
	$(PY) -m layerlab.api.openapi > $(FRONTEND)/openapi.json
	cd $(FRONTEND) && npm run --silent client

up:
	docker compose up

# --- Checks and tests ---------------------------------------------------------------
format: $(VENV)/.installed
	$(VENV)/bin/ruff format backend tests bench
	$(VENV)/bin/ruff check --fix backend tests bench

check: $(VENV)/.installed $(FRONTEND)/node_modules/.installed
	$(VENV)/bin/ruff format --check backend tests bench
	$(VENV)/bin/ruff check backend tests bench
	$(VENV)/bin/mypy
	cd $(FRONTEND) && npm run --silent typecheck

test-py: $(VENV)/.installed system-deps
	$(VENV)/bin/pytest -q -m "not e2e"

test-front: $(FRONTEND)/node_modules/.installed
	cd $(FRONTEND) && npm run --silent test

e2e: $(VENV)/.installed $(FRONTEND)/dist/index.html system-deps
	$(VENV)/bin/pytest -q -m e2e tests/e2e

test: check test-py test-front e2e

bench: $(VENV)/.installed $(FRONTEND)/dist/index.html system-deps
	$(PY) bench/throughput.py
	@for b in bench/first_step.py bench/fanout.py bench/concurrent_runs.py bench/server_throughput.py bench/replay.py \
	  bench/validation.py bench/page_weight.py bench/page_keeps_up.py bench/worker_threads.py bench/sequences.py bench/char_lstm.py bench/gan.py; do \
	  if [ -f $$b ]; then $(PY) $$b || exit 1; fi; done

# The reference examples (docs/contract.md §5.1) trained to the end on the real data (minutes on a CPU).
bench-accuracy: $(VENV)/.installed
	$(PY) bench/reference_accuracy.py --threads 1

clean:
	rm -rf $(VENV) $(FRONTEND)/node_modules $(FRONTEND)/dist .layerlab
