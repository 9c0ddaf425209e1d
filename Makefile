# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export FTZKG_HOST := $(HOST)
export FTZKG_PORT := $(PORT)

.PHONY: run test lint format conformance bench fuzz soak validate clean

$(BIN)/ftzkg: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Validates the data, loads it and serves http://$(HOST):$(PORT)/sparql (FTZKG_* pass through).
run: $(BIN)/ftzkg
	$(BIN)/ftzkg serve

validate: $(BIN)/ftzkg
	$(BIN)/ftzkg validate

lint: $(BIN)/ftzkg
	$(BIN)/ruff check server tests bench
	$(BIN)/ruff format --check server tests bench

format: $(BIN)/ftzkg
	$(BIN)/ruff check --fix server tests bench
	$(BIN)/ruff format server tests bench

# pytest exits 5 when it collected no test: that is a failure here, as any non-zero exit is.
test: lint
	$(BIN)/python -m pytest -q --durations=15

conformance: $(BIN)/ftzkg
	$(BIN)/python -m pytest -q -rfEs -m conformance tests/conformance

# A long fuzzing campaign (not in CI): prints cases tried and the statuses seen.
FUZZ_EXAMPLES ?= 5000
fuzz: $(BIN)/ftzkg
	FTZKG_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FTZKG_FUZZ_REPORT=1 $(BIN)/python -m pytest -q -s -p no:cacheprovider tests/test_fuzz.py

# ftzkg against oxigraph serve, rdflib-endpoint and Virtuoso (when installed) on the report
# graph and ~10k/100k/1M-triple synthetic data; prints the tables. BENCH_ARGS narrows it,
# e.g. BENCH_ARGS="--datasets report,10k --seconds 2" or BENCH_ARGS=--smoke.
BENCH_ARGS ?=
bench: $(BIN)/ftzkg
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Ten minutes of mixed reads and guarded writes against a real server on loopback.
SOAK_SECONDS ?= 600
soak: $(BIN)/ftzkg
	$(BIN)/python bench/soak.py --seconds $(SOAK_SECONDS)

clean:
	rm -rf $(VENV) build *.egg-info server/*.egg-info
