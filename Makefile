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
# Airflow venvs for tests/airflow (and pipelines' Airflow tests): one per supported line.
AIRFLOW3_VENV ?= .venv-airflow3
AIRFLOW2_VENV ?= .venv-airflow2
AIRFLOW3_VERSION ?= 3.3.2
AIRFLOW2_VERSION ?= 2.10.5
# Airflow 2.10 with the public client, for bench/airflow.py's comparison only.
AIRFLOW2_PUBLIC_VENV ?= .venv-airflow2-public
# Extras of this project installed (editable) into both Airflow venvs.
AIRFLOW_EXTRAS ?= airflow,pipelines
AIRFLOW_ENV := DOMINO_AIRFLOW3_PYTHON=$(CURDIR)/$(AIRFLOW3_VENV)/bin/python \
	DOMINO_AIRFLOW2_PYTHON=$(CURDIR)/$(AIRFLOW2_VENV)/bin/python

.PHONY: venv public-venv airflow-venvs demo test unit lint typecheck format bench clean

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

# $(call airflow_venv,<venv dir>,<apache-airflow version>)
define airflow_venv
	$(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install --quiet --upgrade pip
	$(1)/bin/python -m pip install --quiet -e '.[$(AIRFLOW_EXTRAS)]' 'apache-airflow==$(2)'
	touch $(1)/.installed
endef

$(AIRFLOW3_VENV)/.installed: setup.py pyproject.toml
	$(call airflow_venv,$(AIRFLOW3_VENV),$(AIRFLOW3_VERSION))

$(AIRFLOW2_VENV)/.installed: setup.py pyproject.toml
	$(call airflow_venv,$(AIRFLOW2_VENV),$(AIRFLOW2_VERSION))

airflow-venvs: $(AIRFLOW3_VENV)/.installed $(AIRFLOW2_VENV)/.installed

$(AIRFLOW2_PUBLIC_VENV)/.installed:
	$(PYTHON) -m venv $(AIRFLOW2_PUBLIC_VENV)
	$(AIRFLOW2_PUBLIC_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(AIRFLOW2_PUBLIC_VENV)/bin/python -m pip install --quiet \
		'apache-airflow==$(AIRFLOW2_VERSION)' '$(PUBLIC_CLIENT)'
	touch $@

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

test: $(STAMP) $(PUBLIC_STAMP) airflow-venvs lint typecheck
	DOMINO_PUBLIC_CLIENT_PYTHON=$(CURDIR)/$(PUBLIC_VENV)/bin/python $(AIRFLOW_ENV) \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

bench: $(STAMP) $(PUBLIC_STAMP) airflow-venvs $(AIRFLOW2_PUBLIC_VENV)/.installed
	$(BIN)/python bench/import_time.py
	$(BIN)/python bench/calls.py
	$(BIN)/python bench/server_load.py
	$(BIN)/python bench/server_load.py --subprocess
	$(BIN)/python bench/pipeline.py
	DOMINO_PUBLIC_CLIENT_PYTHON=$(CURDIR)/$(PUBLIC_VENV)/bin/python $(BIN)/python bench/upload.py
	DOMINO_PUBLIC_CLIENT_PYTHON=$(CURDIR)/$(PUBLIC_VENV)/bin/python $(BIN)/python bench/wait_latency.py
	$(BIN)/python bench/cli_start.py
	$(AIRFLOW_ENV) $(BIN)/python bench/airflow.py

clean:
	rm -rf $(VENV) $(PUBLIC_VENV) $(AIRFLOW3_VENV) $(AIRFLOW2_VENV) $(AIRFLOW2_PUBLIC_VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
