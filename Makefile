# Two commands: `make run` and `make test`. Everything they need, they install.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint types unit bench services browser-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: install, migrate and start one node on the embedded default (SQLite, in-process bus)
run: $(STAMP)
	$(BIN)/python -m server

## test: lint, types and the whole suite, on both backends (starts PostgreSQL and Redis if down)
test: $(STAMP) services browser-deps lint types
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

services:
	bash scripts/ensure-services.sh

browser-deps:
	bash scripts/ensure-chromium.sh

## bench: the benchmarks under bench/ (prints figures; see docs/performance.md)
bench: $(STAMP) services
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/history.py
	$(BIN)/python bench/connections.py
	$(BIN)/python bench/web_open.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/attachments.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
