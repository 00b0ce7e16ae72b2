# make run / make test work on a fresh clone with only Python 3.11: they build .venv themselves and
# install exactly the versions in requirements.lock (hashes checked, uv pinned to UV_VERSION), then
# ilrs itself without dependencies.
# make lock     re-resolves requirements.lock from pyproject.toml (needs the package registry)
# make floors   installs the declared lower bounds in a throw-away venv and runs a smoke subset
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
UV_VERSION := 0.13.9

.PHONY: run test test-all fuzz bench screenshot clean lock floors

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "python3.11 not found; set PYTHON=..."; exit 2; }
	$(PYTHON) -m venv $(VENV)

# uv installs the lock (hashes required, nothing resolved) in ~1.5 min where pip takes ~6 (measured
# on a fresh venv); `pip install --require-hashes --no-deps -r requirements.lock` does the same, slower.
$(STAMP): $(BIN)/uv $(LOCK) pyproject.toml
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes $(LOCK)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	$(BIN)/uv pip check --quiet --python $(BIN)/python
	touch $(STAMP)

$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"

# The lock: every dependency of ilrs and its test extra, and the build backend (setuptools, wheel:
# ilrs itself is installed without build isolation), for Python 3.11+ on every platform, with hashes. Re-run after changing dependencies in pyproject.toml; it needs the package registry.
lock: $(BIN)/uv
	printf 'setuptools>=77\nwheel\n' | $(BIN)/uv pip compile pyproject.toml - --extra test --universal \
	    --python-version 3.11 --generate-hashes --no-header --quiet -o $(LOCK).new
	{ echo "# Exact versions and hashes of every dependency (make run / make test install these)."; \
	  echo "# Regenerate after changing pyproject.toml: make lock"; cat $(LOCK).new; } > $(LOCK)
	rm -f $(LOCK).new

floors: $(BIN)/uv
	UV=$(BIN)/uv PYTHON=$(PYTHON) tools/check_floors.sh

run: $(STAMP)
	$(BIN)/ilrs run

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

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
