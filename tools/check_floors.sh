#!/usr/bin/env bash
# Install ilrs at its declared lower bounds in a fresh venv and run a smoke subset (make floors).
# Direct dependencies at their floors (uv --resolution lowest-direct), everything else the newest
# that fits: what a user gets who already has the oldest versions pyproject.toml allows.
# Needs the package registry; the venv lives in a temporary folder and is removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
UV="${UV:-.venv/bin/uv}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ilrs-floors.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
t0=$(date +%s)
"$UV" pip compile pyproject.toml --extra test --resolution lowest-direct --quiet \
    --python "$PYTHON" -o "$WORK/floors.txt"
echo "== floors (direct dependencies at their lower bounds):"
grep -E '^[A-Za-z0-9]' "$WORK/floors.txt" | sed 's/ .*//' | tr '\n' ' '; echo
"$UV" venv --quiet --python "$PYTHON" "$WORK/venv"
"$UV" pip install --quiet --python "$WORK/venv/bin/python" -r "$WORK/floors.txt"
"$UV" pip install --quiet --python "$WORK/venv/bin/python" --no-deps -e .
t1=$(date +%s)
echo "== installed in $((t1 - t0)) s; smoke subset"
"$WORK/venv/bin/ilrs" --version
"$WORK/venv/bin/ilrs" --help >/dev/null
SMOKE="tests/test_foundation_scenario.py tests/test_campaign_engine.py tests/test_environment_geometry.py
       tests/test_comms_orbits.py tests/test_operations_engine.py tests/test_risk_engine.py
       tests/test_risk_parquet.py tests/test_cli_convention.py"
# shellcheck disable=SC2086
"$WORK/venv/bin/python" -m pytest -q -p no:cacheprovider -x ${FLOORS_TESTS:-$SMOKE} -k "not run_ops_and_summary and not sigkill and not is_fast"  # timing tests: load, not versions
echo "== floors ok in $(( $(date +%s) - t0 )) s"
