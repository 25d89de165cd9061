#!/usr/bin/env bash
# Creates .venv (if missing) and installs latentcut into it with the extras given as $1 (a comma
# list such as "test", or "" for the core). Sourced by run.sh and test.sh.
#
# The stamp records the project files' hash and every extra installed so far: a run that wants
# extras already there installs nothing, and one that wants more installs the union, so run.sh
# (the core) and test.sh (the test extras) never undo each other's installs.
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
hash="$(cat "$here/pyproject.toml" "$here/constraints.txt" | sha256sum | cut -c1-16)"
have=""
if [ -f "$stamp" ] && [ "$(head -n1 "$stamp")" = "$hash" ]; then
  have="$(sed -n 2p "$stamp")"
fi
# the union of what is there and what is wanted, sorted, one comma list
union="$(printf '%s\n' ${have//,/ } ${extras//,/ } | sed '/^$/d' | sort -u | paste -sd, -)"
if [ ! -f "$stamp" ] || [ "$(head -n1 "$stamp")" != "$hash" ] || [ "$union" != "$have" ]; then
  echo "latentcut: installing into $venv${union:+ with [$union]} (the first time with torch: a few minutes)" >&2
  "$venv/bin/python" -m pip install -q --upgrade pip
  spec="$here"
  [ -n "$union" ] && spec="$here[$union]"
  "$venv/bin/python" -m pip install -q -c "$here/constraints.txt" -e "$spec"
  printf '%s\n%s\n' "$hash" "$union" > "$stamp"
fi
