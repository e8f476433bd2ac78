# Two commands do all set-up on a fresh machine:
#   make run    create the virtualenv if needed, build the index on first use, start the app
#   make test   create the virtualenv if needed, run the test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

.PHONY: install run ask test eval bench
install: $(VENV)/.installed

run: install
	$(PY) app.py

ask: install
	$(PY) -m qa ask "$(Q)"

test: install
	$(PY) -m pytest

eval: install
	$(PY) -m eval

bench: install
	$(PY) -m eval.bench
