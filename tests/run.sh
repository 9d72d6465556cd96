#!/usr/bin/env bash
# Install what the tests need, then run every test (Python, browser, PDF, and the
# JavaScript engine under `node --test`, which pytest drives), with pytest from the
# repository's virtual environment (.venv, made here on first use: see scripts/bootstrap.sh).
# Usage: bash tests/run.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$PWD"
# shellcheck source=../scripts/bootstrap.sh
source scripts/bootstrap.sh

ensure_debian_packages tests/run.sh "${HANDBOOK_BUILD_PACKAGES[@]}" "${HANDBOOK_TEST_PACKAGES[@]}"
ensure_venv tests/run.sh "$repo" "[test]"

# Tests that start `python3`, `handbook` or `ruff` get the virtual environment's.
export VIRTUAL_ENV="$repo/.venv"
export PATH="$VIRTUAL_ENV/bin:$PATH"

status=0
"$VIRTUAL_ENV/bin/python" -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "tests/run.sh: pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$status"
