#!/usr/bin/env bash
# What a nightly job's output holds after each of RUNS runs of the bundled demo job, with
# keep_runs: KEEP and without it: run folders, and the size of the output and its Data Docs site.
#
#   bash docs/retention.sh [RUNS] [KEEP]      (default: 4 runs, keep_runs 2)
#
# Needs `synth` on PATH (the README's first command installs it). Works in a temporary folder.
set -euo pipefail
runs=${1:-4}
keep=${2:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for setting in "keep_runs: $keep" "every run"; do
  folder="$work/$(echo "$setting" | tr -c 'a-z0-9\n' '_')"
  mkdir -p "$folder"
  sed -e "s#\.\./adult_sample.csv#$root/data/adult_sample.csv#" -e 's/name: adult-demo/name: nightly/' \
    "$root/data/jobs/adult.yaml" > "$folder/job.yaml"
  [[ $setting == keep_runs* ]] && echo "$setting" >> "$folder/job.yaml"
  echo "## $setting"
  for run in $(seq 1 "$runs"); do
    (cd "$folder" && PREFECT_HOME="$folder/prefect" synth run job.yaml > "run$run.log" 2>&1) ||
      { echo "run $run failed: see $folder/run$run.log"; trap - EXIT; exit 1; }
    out="$folder/output/nightly"
    echo "run $run: $(find "$out" -maxdepth 1 -name '20*' | wc -l) run folder(s), output" \
      "$(du -sk "$out" | cut -f1) KiB, data-docs $(du -sk "$out/data-docs" | cut -f1) KiB"
  done
done
