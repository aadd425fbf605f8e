# The README's two commands: `make demo` and `make test`. Both create .venv and install the
# project (with its checkers) on first use, so a fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# CrossHair: bounded time per postcondition, so `make test` stays bounded.
CROSSHAIR_TIMEOUT ?= 4
CONTRACT_MODULES := pastry_ref/ring/ids.py pastry_ref/tables/leaf_set.py

.PHONY: demo test lint typecheck contracts pytest slow bench mutate clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "pastry_ref needs Python >= 3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pastry-ref demo

test: lint typecheck contracts pytest

lint: $(STAMP)
	$(BIN)/ruff check pastry_ref model_check tests bench
	$(BIN)/ruff format --check pastry_ref model_check tests bench

typecheck: $(STAMP)
	$(BIN)/mypy --strict pastry_ref model_check

contracts: $(STAMP)
	$(BIN)/crosshair check --analysis_kind=PEP316 --per_condition_timeout=$(CROSSHAIR_TIMEOUT) $(CONTRACT_MODULES)

pytest: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not slow"

slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# Mutation testing of the core (docs/mutation.md): hours for every module, so never part of
# `make test`. One module: make mutate MODULE=pastry_ref/tables/leaf_set.py
mutate: $(STAMP)
	nice -n 15 $(BIN)/python -m mutation.run $(if $(MODULE),$(MODULE),--all)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
