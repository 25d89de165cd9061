#!/usr/bin/env bash
# Creates .venv (if missing) and installs latentcut into it with the extras given as $1
# (e.g. "test"); reinstalls only when pyproject.toml changed. Sourced by run.sh and test.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${LATENTCUT_VENV:-$here/.venv}"
extras="${1:-}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  echo "latentcut: creating $venv" >&2
  "$python" -m venv "$venv"
fi
stamp="$venv/.latentcut-installed"
want="$(cat "$here/pyproject.toml" | sha256sum | cut -c1-16)-$extras"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "latentcut: installing into $venv (first time: torch is large, a few minutes)" >&2
  "$venv/bin/python" -m pip install -q --upgrade pip
  spec="$here"
  [ -n "$extras" ] && spec="$here[$extras]"
  "$venv/bin/python" -m pip install -q -e "$spec"
  echo "$want" > "$stamp"
fi
