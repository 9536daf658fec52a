# Two commands on a fresh machine:
#   make repro   set up .venv and run the DVC pipeline on the bundled corpus
#   make test    set up .venv and run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: setup repro test bench clean

$(BIN)/policy: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

setup: $(BIN)/policy

repro: setup
	DVC_NO_ANALYTICS=1 PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro
	DVC_NO_ANALYTICS=1 $(BIN)/dvc metrics show

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/structure.py

clean:
	rm -rf $(VENV) data eval/metrics.json
