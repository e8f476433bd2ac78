# Two commands do all set-up on a fresh machine:
#   make run    create the virtualenv if needed, build the index on first use, start the app
#   make test   create the virtualenv if needed, run the test suite
#   make test-fast   the tests that load no model and start no browser (under a minute): the edit loop
#   make lint   ruff and mypy (what CI runs before the tests)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

.PHONY: install run ask test test-fast lint eval bench
install: $(VENV)/.installed

run: install
	$(PY) app.py

ask: install
	$(PY) -m qa ask "$(Q)"

test: install
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not slow and not browser"

lint: install
	$(PY) -m ruff check .
	$(PY) -m mypy

eval: install
	$(PY) -m eval

bench: install
	$(PY) -m bench.bench
