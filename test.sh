#!/usr/bin/env bash
# Set up (first run only) and run the test suite. Extra arguments go to pytest
# (e.g. ./test.sh -m slow for the slower end-to-end tests).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/scripts/setup-env.sh" "test"
venv="${LATENTCUT_VENV:-$here/.venv}"
cd "$here"
exec "$venv/bin/python" -m pytest "$@"
