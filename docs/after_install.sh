#!/usr/bin/env bash
# The demo right after an install, as a new user meets it: for each commit named (default HEAD),
# a fresh clone and virtualenv, the README's install, then `synth run` in an empty folder with an
# empty PREFECT_HOME (the first run), and once more with that home (the second run).
# Prints one line per run: commit, run, wall seconds and the run summary's fit and privacy seconds.
#   bash docs/after_install.sh fc7d640 HEAD
set -euo pipefail
repo=$(git rev-parse --show-toplevel)
[ $# -gt 0 ] || set -- HEAD
for commit in "$@"; do
  work=$(mktemp -d)
  git clone -q "$repo" "$work/clone"
  git -C "$work/clone" checkout -q "$(git -C "$repo" rev-parse "$commit")"
  name=$(git -C "$work/clone" rev-parse --short HEAD)
  python3 -m venv "$work/clone/.venv"
  "$work/clone/.venv/bin/pip" install -q torch==2.13.0 -e "$work/clone" >"$work/pip.log" 2>&1
  for run in first second; do
    mkdir "$work/$run"
    if ! (cd "$work/$run" && PREFECT_HOME="$work/home" /usr/bin/time -f "wall %e" \
      "$work/clone/.venv/bin/synth" run >log.txt 2>&1); then
      echo "$name $run run failed: see $work/$run/log.txt" >&2
      exit 1
    fi
    wall=$(awk '/^wall /{print $2}' "$work/$run/log.txt")
    fit=$(grep -o 'time: fit *│ *[0-9.]*' "$work/$run/log.txt" | grep -o '[0-9.]*$')
    gate=$(grep -o 'time: privacy *│ *[0-9.]*' "$work/$run/log.txt" | grep -o '[0-9.]*$')
    echo "$name $run run: ${wall} s wall, fit ${fit} s, privacy ${gate} s"
  done
  rm -rf "$work"
done
