#!/usr/bin/env bash
# Remakes docs/html-report.png, docs/command-line.md's screenshot of the HTML report: the test that loads
# the report of the project's own demo clip in headless Chromium keeps its screenshot there.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
LATENTCUT_SCREENSHOT="$here/docs/html-report.png" .venv/bin/python -m pytest -q -p no:cacheprovider \
  tests/test_exports.py -k "chromium and False"
