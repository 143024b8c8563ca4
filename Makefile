# The one entry point for people and CI: it builds its own virtual environment on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8080
PYTEST_ARGS ?= -n auto
# openapi-python-client and its dependencies, apart from the project's: tests run it to generate
# a client from Sequence's published document (tests/test_generated_client.py).
CLIENT_VENV := .venv-client
CLIENT_STAMP := $(CLIENT_VENV)/.installed

.PHONY: install client-generator run test lint format bench clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

$(CLIENT_STAMP): tests/client-generator.txt
	$(PYTHON) -m venv $(CLIENT_VENV)
	$(CLIENT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r tests/client-generator.txt
	touch $(CLIENT_STAMP)

client-generator: $(CLIENT_STAMP)

run: install
	$(BIN)/sequence-emulator serve --host $(HOST) --port $(PORT)

test: install client-generator
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check emulator tests bench
	$(BIN)/ruff format --check emulator tests bench
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix emulator tests
	$(BIN)/ruff format emulator tests

clean:
	rm -rf $(VENV) $(CLIENT_VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache

bench: install
	$(BIN)/python bench/run.py
