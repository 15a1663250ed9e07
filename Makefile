# Two commands: `make run` and `make test`. Everything they need, they install:
# `make run` only what the server needs (the first screen comes sooner on a
# fresh clone); `make test` and the other developer targets add the test tools.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint types unit bench services browser-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Editable installs of a pyproject.toml project need pip 21.3 or newer; a
# satisfied requirement costs no download.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet 'pip>=23'
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

## run: install the server's dependencies, migrate and start one node on the embedded default (SQLite, in-process bus)
run: $(RUN_STAMP)
	$(BIN)/python -m server

## test: lint, types and the whole suite, on both backends (starts PostgreSQL and Redis if down),
## on two workers (each with its own PostgreSQL database; a module stays on one worker).
## The API fuzzing module (minutes on each backend) is handed out first
## (tests/conftest.py), so that it does not end the run on one worker while the
## other waits; three workers on the two cores were slower (17 min 22 s against 15 min 41 s).
test: $(DEV_STAMP) services browser-deps lint types
	$(BIN)/python -m pytest -n 2 --dist loadscope

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(DEV_STAMP)
	$(BIN)/mypy

services:
	bash scripts/ensure-services.sh

browser-deps:
	bash scripts/ensure-chromium.sh

## bench: the benchmarks under bench/ (prints figures; see docs/performance.md)
bench: $(DEV_STAMP) services
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/history.py
	$(BIN)/python bench/connections.py
	$(BIN)/python bench/web_open.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/attachments.py
	$(BIN)/python bench/web_files.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/notifications.py
	$(BIN)/python bench/files_server.py
	$(BIN)/python bench/home.py
	$(BIN)/python bench/wordcheck.py
	$(BIN)/python bench/wordcheck_fanout.py
	$(BIN)/python bench/survey_pool.py
	$(BIN)/python bench/analytics.py
	$(BIN)/python bench/export_import.py
	$(BIN)/python bench/announce.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
