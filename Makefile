# make run / make test work on a fresh clone with only Python 3.11: they build .venv themselves.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-all fuzz bench screenshot clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "python3.11 not found; set PYTHON=..."; exit 2; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ilrs run

test: $(STAMP)
	$(BIN)/python -m pytest

test-all: $(STAMP)
	$(BIN)/python -m pytest -m "slow or not slow"

fuzz: $(STAMP)
	ILRS_FUZZ_CASES=full $(BIN)/python -m pytest tests/fuzz -m fuzz -p no:cacheprovider

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# the reference report in headless Chromium (apt-get install chromium chromium-driver): a person looks
screenshot: $(STAMP)
	$(BIN)/ilrs run --quiet --out out/report
	$(BIN)/python tools/screenshot.py out/report/report.html out/screenshots

clean:
	rm -rf $(VENV) out build *.egg-info src/*.egg-info
