# Set-up and test entry points. Everything the project needs is installed from here.
PYTHON ?= python3
VENV ?= .venv
PUBLIC_VENV ?= .venv-public
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PUBLIC_STAMP := $(PUBLIC_VENV)/.installed
# The public client the compatibility tests and benchmarks compare against.
PUBLIC_CLIENT ?= dominodatalab==2.2.0
PYTEST_ARGS ?=

.PHONY: venv public-venv demo test unit lint typecheck format bench clean

$(STAMP): setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

$(PUBLIC_STAMP):
	$(PYTHON) -m venv $(PUBLIC_VENV)
	$(PUBLIC_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PUBLIC_VENV)/bin/python -m pip install --quiet '$(PUBLIC_CLIENT)'
	touch $(PUBLIC_STAMP)

public-venv: $(PUBLIC_STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

lint: $(STAMP)
	$(BIN)/ruff check domino tests bench examples
	$(BIN)/ruff format --check domino tests bench examples

typecheck: $(STAMP)
	$(BIN)/mypy domino

format: $(STAMP)
	$(BIN)/ruff format domino tests bench examples
	$(BIN)/ruff check --fix domino tests bench examples

test: $(STAMP) $(PUBLIC_STAMP) lint typecheck
	DOMINO_PUBLIC_CLIENT_PYTHON=$(CURDIR)/$(PUBLIC_VENV)/bin/python $(BIN)/python -m pytest $(PYTEST_ARGS)

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

bench: $(STAMP) $(PUBLIC_STAMP)
	$(BIN)/python bench/import_time.py
	$(BIN)/python bench/calls.py
	$(BIN)/python bench/server_load.py
	$(BIN)/python bench/server_load.py --subprocess
	DOMINO_PUBLIC_CLIENT_PYTHON=$(CURDIR)/$(PUBLIC_VENV)/bin/python $(BIN)/python bench/upload.py
	DOMINO_PUBLIC_CLIENT_PYTHON=$(CURDIR)/$(PUBLIC_VENV)/bin/python $(BIN)/python bench/wait_latency.py
	$(BIN)/python bench/cli_start.py

clean:
	rm -rf $(VENV) $(PUBLIC_VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
