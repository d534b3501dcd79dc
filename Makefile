# AurenLM: `make run` serves the app; `make test` checks everything. Both set themselves up.
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: run test lint format services system-packages clean

$(PY):
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install -q -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PIP) install -q -e '.[dev]'
	touch $@ $(STAMP)

run: $(STAMP)
	$(VENV)/bin/alembic upgrade head
	$(PY) main.py

services:
	@bash scripts/services.sh

system-packages:
	@bash scripts/system-packages.sh

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(DEV_STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: $(DEV_STAMP) services system-packages lint
	AURENLM_TEST_DB=sqlite $(PY) -m pytest tests -q
	AURENLM_TEST_DB=postgres AURENLM_TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) $(PY) -m pytest tests -q
	$(PY) -m pytest e2e -q

clean:
	rm -rf $(VENV) e2e/artifacts .pytest_cache .ruff_cache
